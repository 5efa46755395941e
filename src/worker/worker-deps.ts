import type { RunDeps } from "../runs/run-deps.js";
import type { Sandbox } from "./execution/sandbox/sandbox.js";

export interface WorkerDeps extends RunDeps {
  dataDir: string;
  gitBaseUrl: string;
  passEnv: readonly string[];
  serverEnv: NodeJS.ProcessEnv;
  /** The operator's secrets file (Settings.secretsFile), read when each run starts. */
  secretsFile: string;
  /** Where steps run (Settings.sandbox, probed at start-up). */
  sandbox: Sandbox;
}
