import { readFileSync } from "node:fs";

/**
 * True while the process exists and is not a zombie. Killed orphans are re-parented to PID 1, and a PID 1
 * that does not reap (as in some containers) leaves them as zombies: dead, but still answering kill(pid, 0).
 */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}
