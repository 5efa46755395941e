import type { CacheReport } from "../../runs/run-types.js";
import { formatCacheSize } from "../../runs/format-cache-size.js";
import type { RestoredCache, RunCaches } from "./restore-caches.js";

/**
 * The "Save caches" step, run only after every step succeeded: each cache whose exact key was missing is saved
 * into the run's own scope. Never throws and never fails the run: a failure is a warning line and a "failed" save.
 */
export async function saveCaches(restored: readonly RestoredCache[], run: RunCaches, write: (line: string) => void): Promise<CacheReport[]> {
  const reports: CacheReport[] = [];
  for (const { cache, key, report } of restored) {
    const started = Date.now();
    const elapsed = () => Date.now() - started;
    if (key === null) {
      reports.push({ ...report, save: { outcome: "skipped", reason: "the key cannot be used", durationMs: 0 } });
      continue;
    }
    if (report.restore.match === "hit") {
      write(`gantry: cache ${key}: not saved: exact key was restored`);
      reports.push(report);
      continue;
    }
    try {
      const saved = await run.store.save({ repositoryId: run.repositoryId, scope: run.scopes.write, key, paths: cache.paths }, run.roots);
      if (saved.outcome === "saved") {
        write(`gantry: cache ${key}: saved, ${formatCacheSize(saved.sizeBytes)} in ${(elapsed() / 1000).toFixed(1)} s`);
        reports.push({ ...report, save: { outcome: "saved", sizeBytes: saved.sizeBytes, durationMs: elapsed() } });
      } else {
        write(`gantry: cache ${key}: not saved: ${saved.reason}`);
        reports.push({ ...report, save: { outcome: "skipped", reason: saved.reason, durationMs: elapsed() } });
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      write(`gantry: warning: cache ${key}: not saved: ${reason}`);
      reports.push({ ...report, save: { outcome: "failed", reason, durationMs: elapsed() } });
    }
  }
  return reports;
}
