import { join } from "node:path";

/** Where the log of a run is kept under a data directory: written by its worker, read by the report and the run page. */
export function logPath(dataDir: string, runId: string): string {
  return join(dataDir, "logs", `${runId}.log`);
}
