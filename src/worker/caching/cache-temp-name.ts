import { randomBytes } from "node:crypto";

/**
 * Temporary names under the caches folder: `.tmp-<pid>-<process token>-<random>`. Several gantry processes on
 * one host may share the folder, so a process removes at open only the temporary files of processes that are
 * gone: a pid no longer running, or its own pid with another token (a container restarts as pid 1 each time).
 */
const PREFIX = ".tmp-";
const PROCESS_TOKEN = randomBytes(6).toString("hex");
const TEMP_NAME = /^\.tmp-(\d+)-([0-9a-f]+)-[0-9a-f]+$/;
/** No save or restore takes a day: past that, a temporary name is a crash's even if its pid was taken since. */
const MAX_TEMP_AGE_MS = 24 * 60 * 60 * 1000;

export function cacheTempName(): string {
  return `${PREFIX}${process.pid}-${PROCESS_TOKEN}-${randomBytes(8).toString("hex")}`;
}

export function isTempName(name: string): boolean {
  return name.startsWith(PREFIX);
}

/** Whether a temporary name is a crash's leftover; `ageMs` is how long ago it was last modified. */
export function isAbandonedTemp(name: string, ageMs: number): boolean {
  const match = TEMP_NAME.exec(name);
  if (!match || ageMs > MAX_TEMP_AGE_MS) return true;
  const pid = Number(match[1]);
  if (pid === process.pid) return match[2] !== PROCESS_TOKEN;
  return !processAlive(pid);
}

function processAlive(pid: number): boolean {
  // pid 0 and negative ones address process groups: never a gantry process
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
