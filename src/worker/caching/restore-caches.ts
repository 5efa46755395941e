import type { PlannedCache } from "../../planning/plan-types.js";
import type { CacheScopes } from "../../planning/cache-scopes.js";
import type { CacheReport } from "../../runs/run-types.js";
import type { CacheEntry, CacheRoots, CacheStore } from "./cache-store.js";
import { formatCacheSize } from "../../runs/format-cache-size.js";
import { resolveCacheKey } from "./resolve-cache-key.js";

/** What the cache steps of one run share: the store, whose caches it may read and write, where the paths are. */
export interface RunCaches {
  store: CacheStore;
  repositoryId: number;
  scopes: CacheScopes;
  roots: CacheRoots;
}

/** One configured cache after restoring: its report so far, and what saving needs (null key: not resolvable, nothing saved). */
export interface RestoredCache {
  cache: PlannedCache;
  key: string | null;
  report: CacheReport;
  /** The entry restored, on an exact hit: the one the next run with this key hits too. */
  hit?: CacheEntry;
}

/**
 * The "Restore caches" step: each cache's key resolved in the checkout, then the exact key or the newest entry
 * matching a restore key unpacked into the roots. Never throws and never fails the run: what went wrong is a
 * warning line and a miss.
 */
export async function restoreCaches(caches: readonly PlannedCache[], run: RunCaches, write: (line: string) => void): Promise<RestoredCache[]> {
  const restored: RestoredCache[] = [];
  for (const cache of caches) {
    const started = Date.now();
    const miss = (key: string): CacheReport => ({ key, restore: { match: "miss", durationMs: Date.now() - started } });
    const resolved = await resolveCacheKey(cache.key, run.roots.workspace).catch((error: unknown) => ({ ok: false as const, problem: String(error) }));
    if (!resolved.ok) {
      write(`gantry: warning: cache ${cache.key}: the key cannot be used (${resolved.problem}); a miss, and nothing is saved`);
      restored.push({ cache, key: null, report: miss(cache.key) });
      continue;
    }
    for (const why of resolved.skipped) write(`gantry: cache ${resolved.key}: not hashed: ${why}`);
    const restoreKeys: string[] = [];
    for (const template of cache.restoreKeys) {
      const prefix = await resolveCacheKey(template, run.roots.workspace).catch((error: unknown) => ({ ok: false as const, problem: String(error) }));
      if (prefix.ok) restoreKeys.push(prefix.key);
      else write(`gantry: warning: cache ${resolved.key}: restore key ${template} not used (${prefix.problem})`);
    }
    try {
      const found = await run.store.find({ repositoryId: run.repositoryId, scopes: run.scopes.read, key: resolved.key, restoreKeys });
      if (found === null) {
        write(`gantry: cache ${resolved.key}: miss`);
        restored.push({ cache, key: resolved.key, report: miss(resolved.key) });
        continue;
      }
      const { sizeBytes, prepared } = await run.store.restore(found.entry, run.roots);
      const durationMs = Date.now() - started;
      const what = found.match === "hit" ? `restored ${found.entry.key} (hit)` : `partial hit from ${found.entry.key}`;
      const how = prepared ? ", unpacked ahead after an earlier run" : "";
      write(`gantry: cache ${resolved.key}: ${what}, ${formatCacheSize(sizeBytes)} in ${(durationMs / 1000).toFixed(1)} s${how}`);
      const report: CacheReport = { key: resolved.key, restore: { match: found.match, restoredKey: found.entry.key, sizeBytes, durationMs } };
      restored.push({ cache, key: resolved.key, report, ...(found.match === "hit" ? { hit: found.entry } : {}) });
    } catch (error) {
      write(`gantry: warning: cache ${resolved.key}: not restored (${error instanceof Error ? error.message : String(error)}); a miss`);
      restored.push({ cache, key: resolved.key, report: miss(resolved.key) });
    }
  }
  return restored;
}
