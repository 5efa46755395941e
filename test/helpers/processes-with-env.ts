import { readdirSync, readFileSync } from "node:fs";
import { isRunning } from "./is-running.js";

/**
 * Host pids of live processes whose environment holds `entry` (NAME=value), wherever they are: in a sandbox's PID
 * namespace, in a session of their own, re-parented to PID 1. How kill-leftovers finds a run's processes.
 */
export function processesWithEnv(entry: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${name}/environ`, "latin1");
    } catch {
      continue;
    }
    if (environ.split("\0").includes(entry) && isRunning(Number(name))) found.push(Number(name));
  }
  return found;
}
