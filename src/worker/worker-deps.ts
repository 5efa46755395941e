import type { DispatchDeps } from "../dispatch/dispatch-deps.js";

export interface WorkerDeps extends DispatchDeps {
  dataDir: string;
  gitBaseUrl: string;
  passEnv: readonly string[];
  serverEnv: NodeJS.ProcessEnv;
  /** `host:pid` of this worker process, recorded on the runs it takes. */
  nodeId: string;
}
