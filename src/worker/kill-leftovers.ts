import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { killGroup } from "../execution/kill-group.js";
import type { RunRecord } from "../storage/run-types.js";

/**
 * A run found `running` at take-over belonged to a worker that died; its step may still be running on this
 * host, orphaned. Kill that process group, but only after checking it is still the run's (pids are reused):
 * every step carries GANTRY_RUN_ID in its environment.
 */
export async function killLeftovers(run: RunRecord): Promise<boolean> {
  if (run.pid === null || run.nodeId?.split(":")[0] !== hostname()) return false;
  const environ = await readFile(`/proc/${run.pid}/environ`, "latin1").catch(() => "");
  if (!environ.split("\0").includes(`GANTRY_RUN_ID=${run.id}`)) return false;
  killGroup(run.pid, "SIGKILL");
  return true;
}
