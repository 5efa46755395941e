import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isProcessAlive } from "../../is-process-alive.js";

/** A lock older than this is a crashed holder's, whatever its pid says (pids are reused). */
const STALE_MS = 10 * 60_000;
const POLL_MS = 25;

/** Holders in this process, per lock path: they queue here instead of polling the file system. */
const local = new Map<string, Promise<void>>();

/**
 * Holds `<dir>.lock` for `task`: an in-process queue per path, then a directory made with mkdir (atomic, also
 * across processes sharing the data directory) holding the owner's pid and time. A lock whose owner is gone
 * (no such pid on this host) or older than {@link STALE_MS} is taken over. With `wait: false` (housekeeping,
 * which must never hold up a run) a lock someone holds is not waited for: the task does not run and the
 * result is undefined.
 */
export function lockMirror<T>(dir: string, task: () => Promise<T>, options?: { signal?: AbortSignal }): Promise<T>;
export function lockMirror<T>(dir: string, task: () => Promise<T>, options: { signal?: AbortSignal; wait: false }): Promise<T | undefined>;
export async function lockMirror<T>(dir: string, task: () => Promise<T>, options: { signal?: AbortSignal; wait?: false } = {}): Promise<T | undefined> {
  const path = `${dir}.lock`;
  if (options.wait === false && local.has(path)) return undefined;
  const before = local.get(path) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const queued = before.then(() => mine);
  local.set(path, queued);
  try {
    await before;
    if (options.wait === false) {
      if (!(await acquireIfFree(path))) return undefined;
    } else {
      await acquire(path, options.signal);
    }
    try {
      return await task();
    } finally {
      await rm(path, { recursive: true, force: true });
    }
  } finally {
    release();
    if (local.get(path) === queued) local.delete(path);
  }
}

/** One try, and one more after taking over a stale lock. */
async function acquireIfFree(path: string): Promise<boolean> {
  await mkdir(dirname(path), { recursive: true });
  for (const attempt of [1, 2]) {
    try {
      await mkdir(path);
      await writeFile(join(path, "owner"), `${process.pid} ${Date.now()}\n`);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    if (attempt === 2 || !(await isStale(path))) return false;
    await rm(path, { recursive: true, force: true });
  }
  return false;
}

async function acquire(path: string, signal: AbortSignal | undefined): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  for (;;) {
    signal?.throwIfAborted();
    try {
      await mkdir(path);
      await writeFile(join(path, "owner"), `${process.pid} ${Date.now()}\n`);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    if (await isStale(path)) await rm(path, { recursive: true, force: true });
    else await sleep(POLL_MS, undefined, signal ? { signal } : {});
  }
}

async function isStale(path: string): Promise<boolean> {
  const owner = await readFile(join(path, "owner"), "utf8").catch(() => null);
  if (owner === null) {
    // made but not yet written, or its owner died in between: only age tells
    const made = await stat(path).catch(() => null);
    return made === null || Date.now() - made.mtimeMs > STALE_MS;
  }
  const [pid, time] = owner.trim().split(" ").map(Number);
  if (!Number.isSafeInteger(pid) || !Number.isSafeInteger(time) || Date.now() - time! > STALE_MS) return true;
  return !isProcessAlive(pid!);
}
