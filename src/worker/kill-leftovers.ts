import { readdir, readFile } from "node:fs/promises";
import { killGroup } from "./execution/kill-group.js";
import { onSameHost } from "../runs/node-id.js";
import type { RunRecord } from "../runs/run-types.js";

/**
 * A run found `running` at take-over belonged to a worker that died; its steps may still be running on this
 * host, orphaned. They are found by the GANTRY_RUN_ID every step carries, not by the pid the worker recorded:
 * a worker killed right after a spawn may never have recorded it, and a step may have left its process group.
 * Returns how many processes were killed.
 */
export async function killLeftovers(run: RunRecord, self: string): Promise<number> {
  if (!onSameHost(run.nodeId, self)) return 0;
  const mark = `GANTRY_RUN_ID=${run.id}`;
  const pids = (await readdir("/proc").catch(() => [])).filter((name) => /^\d+$/.test(name)).map(Number);
  let killed = 0;
  for (const pid of pids) {
    if (pid === process.pid) continue;
    const environ = await readFile(`/proc/${pid}/environ`, "latin1").catch(() => "");
    if (!environ.split("\0").includes(mark)) continue;
    killGroup(pid, "SIGKILL");
    killPid(pid);
    killed += 1;
  }
  return killed;
}

/** For a process that left its group (setsid): the group kill above missed it. */
function killPid(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}
