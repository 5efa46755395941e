/**
 * Dependency caches, as `actions/cache` keeps them: compressed archives of some paths, found by key within one
 * repository and one scope. Kept on the worker's own disk (`$GANTRY_DATA_DIR/caches`): with many workers each has
 * its own, like its mirrors.
 */

/** One saved cache. */
export interface CacheEntry {
  /** GitHub's id of the repository (never a name): one repository's caches are never another's. */
  repositoryId: number;
  /** Whose it is: a full ref (`refs/heads/main`). A run reads its own ref's and the default branch's, writes its own only. */
  scope: string;
  key: string;
  sizeBytes: number;
  createdAt: number;
  lastUsedAt: number;
}

/** `hit`: the exact key; `partial`: the newest entry whose key starts with one of the restore keys. */
export interface CacheLookup {
  entry: CacheEntry;
  match: "hit" | "partial";
}

/**
 * Where a cache's paths are on the host for this run. A configured path `~/x` is `home/x`, any other `p` is
 * `workspace/p`; both roots are what the steps see (the sandbox binds the run's home at the step's $HOME).
 */
export interface CacheRoots {
  workspace: string;
  home: string;
}

export interface FindCacheRequest {
  repositoryId: number;
  /** Searched in this order: the run's own scope first, then the default branch's. */
  scopes: readonly string[];
  key: string;
  restoreKeys: readonly string[];
}

export interface SaveCacheRequest {
  repositoryId: number;
  scope: string;
  key: string;
  /** As configured: `~/.npm`, `node_modules`; relative, no `..` (the config refuses anything else). */
  paths: readonly string[];
}

export type SaveCacheResult =
  | { outcome: "saved"; sizeBytes: number }
  /** Not an error: the key exists in this scope already (first writer wins), none of the paths exist, or it is over the cap. */
  | { outcome: "skipped"; reason: string };

export interface CacheStore {
  /** The exact key in the first scope that has it, else for each restore key in order the newest entry (by creation) whose key starts with it, scopes in order — GitHub's order. */
  find(request: FindCacheRequest): Promise<CacheLookup | null>;
  /**
   * Unpacks the entry into the roots (only into them: no entry leads out, none through a symlink), merging with
   * what is there, and marks it used; `prepared`: it took the tree `prepare` made rather than unpacking. Throws, naming the key, if the entry is gone (evicted since `find`) or cannot
   * be restored (a damaged archive, a disk error); such an entry is removed, so the next run misses cleanly.
   */
  restore(entry: CacheEntry, roots: CacheRoots): Promise<{ sizeBytes: number; prepared: boolean }>;
  /**
   * Unpacks the entry ahead of its next restore (after a run, off the push's path), so that restore takes the tree
   * whole in one rename instead of unpacking. The tree counts towards the caps with the archive; eviction removes
   * both. Resolves when done; nothing if the entry is gone or has a tree already; throws on a refused archive.
   */
  prepare(entry: Pick<CacheEntry, "repositoryId" | "scope" | "key">): Promise<void>;
  /**
   * Archives the paths that exist (regular files, directories, symlinks as links; nothing else), compressed, under a
   * temporary name renamed into place (a crash leaves no half entry), then evicts least recently used entries until
   * the per-repository and overall caps hold. An archive that grows past the per-repository cap is abandoned.
   */
  save(request: SaveCacheRequest, roots: CacheRoots): Promise<SaveCacheResult>;
  /** Removes entries last used before `before` (ms since epoch); the bytes freed. */
  removeUnusedSince(before: number): Promise<number>;
  /** Removes least recently used entries until `bytes` are freed or none remain (low disk); the bytes freed. */
  evictOldest(bytes: number): Promise<number>;
  /** Every entry, for reports and tests. */
  list(): Promise<CacheEntry[]>;
}
