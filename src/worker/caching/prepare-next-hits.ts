import type { CacheReport } from "../../runs/run-types.js";
import type { CacheEntry } from "./cache-store.js";
import type { RestoredCache, RunCaches } from "./restore-caches.js";

/**
 * After a run's steps, for each of its caches the entry the next push with the same key hits (the one just saved,
 * else the one restored on an exact hit) is prepared for that push, which then takes it in one rename. Not
 * awaited by the run (its result does not wait on the next one's speed); a preparation that fails costs the next
 * restore nothing but the unpacking it would have done anyway.
 */
export function prepareNextHits(restored: readonly RestoredCache[], reports: readonly CacheReport[], run: RunCaches): void {
  for (const [index, { key, hit }] of restored.entries()) {
    const saved = reports[index]?.save?.outcome === "saved";
    const next: Pick<CacheEntry, "repositoryId" | "scope" | "key"> | undefined =
      saved && key !== null ? { repositoryId: run.repositoryId, scope: run.scopes.write, key } : hit;
    if (next) run.store.prepare(next).catch(() => {});
  }
}
