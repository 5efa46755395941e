import type { WorkerDeps } from "./worker-deps.js";
import { readFreeBytes } from "./read-free-bytes.js";

/** Evicting caches frees this much more than the shortfall, so the next run does not evict again at once. */
export const EVICT_MARGIN_BYTES = 256 * 2 ** 20;

/**
 * Whether a run may start on this worker's disk: null when the data folder's file system has at least
 * `deps.minFreeBytes` free, else why the run waits (the check run's words). Below the minimum the least recently
 * used caches go first (the shortfall and a margin); only what is still short after that makes the run wait.
 */
export async function judgeDiskSpace(deps: WorkerDeps, runId: string): Promise<string | null> {
  const min = deps.minFreeBytes;
  if (!min) return null;
  const read = deps.readFreeBytes ?? readFreeBytes;
  let free = await read(deps.dataDir);
  if (free >= min) return null;
  if (deps.caches) {
    const wanted = min - free + EVICT_MARGIN_BYTES;
    const freed = await deps.caches.evictOldest(wanted);
    if (freed > 0) deps.log.info({ run: runId, freedBytes: freed, wantedBytes: wanted }, `low disk: removed the least recently used caches, ${formatGb(freed)} freed`);
    free = await read(deps.dataDir);
    if (free >= min) return null;
  }
  const waiting = `Waiting for disk space: ${deps.dataDir} has ${formatGb(free)} free, less than GANTRY_MIN_FREE_GB (${formatGb(min)}); it starts when space is freed`;
  deps.log.warn({ run: runId, freeBytes: free, minFreeBytes: min }, waiting);
  return waiting;
}

function formatGb(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GB`;
}
