import type { RunDeps } from "../runs/run-deps.js";

export interface WorkerDeps extends RunDeps {
  dataDir: string;
  gitBaseUrl: string;
  passEnv: readonly string[];
  serverEnv: NodeJS.ProcessEnv;
  /** The operator's secrets file (Settings.secretsFile), read when each run starts. */
  secretsFile: string;
}
