import { pruneMirrors } from "./execution/mirror/prune-mirrors.js";
import { mirrorRoot } from "./mirror-root.js";
import type { WorkerDeps } from "./worker-deps.js";

/**
 * The retention sweep of a worker's own disk: mirrors, and refs inside them, no checkout used since `before`
 * (pruneMirrors), and the dependency caches no run restored or saved since then. What it removed, by name.
 */
export async function removeUnusedFiles(deps: Pick<WorkerDeps, "dataDir" | "caches">, before: number, signal?: AbortSignal): Promise<Record<string, number>> {
  const mirrors = await pruneMirrors({ root: mirrorRoot(deps.dataDir), before, ...(signal ? { signal } : {}) });
  const cacheBytes = signal?.aborted || !deps.caches ? 0 : await deps.caches.removeUnusedSince(before);
  return { mirrors: mirrors.removed, "mirror refs": mirrors.refs, "locked mirrors skipped": mirrors.skipped, "cache bytes": cacheBytes };
}
