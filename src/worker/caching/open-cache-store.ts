import { existsSync, mkdirSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ARCHIVE_NAME, entryDir, PREPARED_NAME, scopeDir } from "./cache-layout.js";
import { readCacheEntryRecord } from "./read-cache-entry-record.js";
import { writeCacheEntryRecord } from "./write-cache-entry-record.js";
import type { CacheEntry, CacheLookup, CacheRoots, CacheStore, FindCacheRequest, SaveCacheRequest, SaveCacheResult } from "./cache-store.js";
import { cacheTempName } from "./cache-temp-name.js";
import { listCacheEntries, type StoredCacheEntry } from "./list-cache-entries.js";
import { packCacheArchive } from "./pack-cache-archive.js";
import { removeCacheLeftovers } from "./remove-cache-leftovers.js";
import { resolveCachePaths } from "./resolve-cache-paths.js";
import { CACHE_RESTORE_SUFFIX, unpackCacheArchive } from "./unpack-cache-archive.js";
import { placeCacheTree } from "./place-cache-tree.js";
import { prepareCacheTree } from "./prepare-cache-tree.js";
import { takePreparedTree } from "./take-prepared-tree.js";
import { readFreeBytes } from "../read-free-bytes.js";

export interface CacheStoreOptions {
  /** The caches folder, `$GANTRY_DATA_DIR/caches`; other gantry processes on this host may share it. */
  root: string;
  /** All repositories' entries together stay within this many (compressed) bytes. */
  maxBytes: number;
  /** One repository's entries stay within this many bytes; a single archive larger than this is not saved. */
  repositoryMaxBytes: number;
  /** ms since epoch; tests set it to order entries. */
  now?: () => number;
  /**
   * A tree is unpacked ahead (prepare) only while at least this many bytes stay free after it (Settings.minFreeBytes:
   * below it runs wait and caches are evicted, so a tree must not be what takes the disk there); 0 or absent: no check.
   */
  keepFreeBytes?: number;
  /** How free bytes of the caches folder's file system are read; default readFreeBytes (tests stand in a disk). */
  readFreeBytes?: (dir: string) => Promise<number>;
}

/**
 * The dependency caches kept under `root`. Every call reads the folder afresh (no index in memory): another
 * process may have saved, used or removed entries since. Opening removes what a crashed process left.
 */
export function openCacheStore(options: CacheStoreOptions): CacheStore {
  const { root, maxBytes, repositoryMaxBytes } = options;
  const now = options.now ?? Date.now;
  const keepFreeBytes = options.keepFreeBytes ?? 0;
  const readFree = options.readFreeBytes ?? readFreeBytes;
  for (const [name, value] of Object.entries({ maxBytes, repositoryMaxBytes })) {
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} ${String(value)} is not a positive number of bytes`);
  }
  mkdirSync(root, { recursive: true });
  removeCacheLeftovers(root);

  // this process's preparations under way, by entry folder: a restore of that entry waits for it
  const preparing = new Map<string, Promise<void>>();
  // set when a prepared tree could not be renamed into a workspace (another file system): preparing is then waste
  let treesUnreachable = false;
  const lru = (entries: StoredCacheEntry[]) =>
    entries.sort((a, b) => a.entry.lastUsedAt - b.entry.lastUsedAt || a.entry.createdAt - b.entry.createdAt);

  /** Least recently used first, until each repository and all together are within their caps. */
  async function evict(): Promise<number> {
    const entries = lru(await listCacheEntries(root));
    const perRepository = new Map<number, number>();
    let total = 0;
    for (const stored of entries) {
      const { repositoryId } = stored.entry;
      perRepository.set(repositoryId, (perRepository.get(repositoryId) ?? 0) + bytesOf(stored));
      total += bytesOf(stored);
    }
    let freed = 0;
    for (const stored of entries) {
      const { repositoryId } = stored.entry;
      const bytes = bytesOf(stored);
      if (perRepository.get(repositoryId)! <= repositoryMaxBytes && total <= maxBytes) continue;
      if (await removeEntry(stored.dir)) freed += bytes;
      // gone either way: another process may have removed it first
      perRepository.set(repositoryId, perRepository.get(repositoryId)! - bytes);
      total -= bytes;
    }
    return freed;
  }

  return {
    async find(request: FindCacheRequest): Promise<CacheLookup | null> {
      const entries = (await listCacheEntries(root, request)).map(({ entry }) => entry);
      for (const scope of request.scopes) {
        const entry = entries.find((candidate) => candidate.scope === scope && candidate.key === request.key);
        if (entry) return { entry, match: "hit" };
      }
      for (const prefix of request.restoreKeys) {
        for (const scope of request.scopes) {
          const newest = entries
            .filter((candidate) => candidate.scope === scope && candidate.key.startsWith(prefix))
            .sort((a, b) => b.createdAt - a.createdAt)[0];
          if (newest) return { entry: newest, match: "partial" };
        }
      }
      return null;
    },

    async restore(entry: CacheEntry, roots: CacheRoots): Promise<{ sizeBytes: number; prepared: boolean }> {
      const dir = entryDir(root, entry.repositoryId, entry.scope, entry.key);
      const record = await readCacheEntryRecord(dir);
      if (!record || record.scope !== entry.scope || record.key !== entry.key) {
        throw new Error(`cache ${JSON.stringify(entry.key)} of ${entry.scope} is gone (removed since it was found)`);
      }
      await preparing.get(dir)?.catch(() => {});
      const staging = `${roots.workspace}${CACHE_RESTORE_SUFFIX}`;
      let prepared = false;
      try {
        const taken = await takePreparedTree(dir, staging);
        if (taken === "elsewhere") treesUnreachable = true;
        prepared = taken === "taken";
        if (prepared) await placeCacheTree(staging, roots).finally(() => rm(staging, { recursive: true, force: true }));
        else await unpackCacheArchive(join(dir, ARCHIVE_NAME), roots);
      } catch (error) {
        // a damaged entry would fail every run: without it the next run misses, and saves a sound one
        await removeEntry(dir);
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`cache ${JSON.stringify(entry.key)} of ${entry.scope} could not be restored and is removed: ${reason}`, {
          cause: error,
        });
      }
      await touch(dir, record);
      return { sizeBytes: record.sizeBytes, prepared };
    },

    prepare(ref: Pick<CacheEntry, "repositoryId" | "scope" | "key">): Promise<void> {
      const dir = entryDir(root, ref.repositoryId, ref.scope, ref.key);
      const under = preparing.get(dir);
      if (under) return under;
      if (treesUnreachable) return Promise.resolve();
      const done = (async () => {
        const record = await readCacheEntryRecord(dir);
        if (!record || record.scope !== ref.scope || record.key !== ref.key) return;
        // two runs of one key end close together: the second finds the first's tree, and unpacks nothing
        if (existsSync(join(dir, PREPARED_NAME))) return;
        await prepareCacheTree(dir, keepFreeBytes > 0 ? { fits: async (bytes) => (await readFree(root)) - bytes >= keepFreeBytes } : {});
        // the tree's bytes count from now on: the caps may no longer hold
        await evict();
      })().finally(() => preparing.delete(dir));
      preparing.set(dir, done);
      return done;
    },

    async save(request: SaveCacheRequest, roots: CacheRoots): Promise<SaveCacheResult> {
      const dir = entryDir(root, request.repositoryId, request.scope, request.key);
      const exists: SaveCacheResult = { outcome: "skipped", reason: `the key exists in ${request.scope} already` };
      if (await readCacheEntryRecord(dir)) return exists;
      const paths = await resolveCachePaths(request.paths, roots);
      if (paths.length === 0) return { outcome: "skipped", reason: "none of the paths exist" };
      const scope = scopeDir(root, request.repositoryId, request.scope);
      await mkdir(scope, { recursive: true });
      const temp = join(scope, cacheTempName());
      await mkdir(temp);
      try {
        const viewDir = join(temp, "view");
        const packed = await packCacheArchive({ paths, roots, file: join(temp, ARCHIVE_NAME), viewDir, maxBytes: repositoryMaxBytes });
        if (packed.outcome === "too large") {
          return { outcome: "skipped", reason: `the archive grew past repositoryMaxBytes (${repositoryMaxBytes} bytes)` };
        }
        await rm(viewDir, { recursive: true });
        const at = now();
        await writeCacheEntryRecord(temp, { scope: request.scope, key: request.key, sizeBytes: packed.sizeBytes, createdAt: at, lastUsedAt: at });
        try {
          // a folder is renamed onto a name only if nothing non-empty is there: two saves of a key, one wins
          await rename(temp, dir);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === "ENOTEMPTY" || code === "EEXIST") return exists;
          throw error;
        }
        await evict();
        return { outcome: "saved", sizeBytes: packed.sizeBytes };
      } finally {
        await rm(temp, { recursive: true, force: true });
      }
    },

    async removeUnusedSince(before: number): Promise<number> {
      let freed = 0;
      for (const stored of await listCacheEntries(root)) {
        if (stored.entry.lastUsedAt < before && (await removeEntry(stored.dir))) freed += bytesOf(stored);
      }
      return freed;
    },

    async evictOldest(bytes: number): Promise<number> {
      let freed = 0;
      for (const stored of lru(await listCacheEntries(root))) {
        if (freed >= bytes) break;
        if (await removeEntry(stored.dir)) freed += bytesOf(stored);
      }
      return freed;
    },

    async list(): Promise<CacheEntry[]> {
      return (await listCacheEntries(root)).map(({ entry }) => entry);
    },
  };

  async function touch(dir: string, record: Awaited<ReturnType<typeof readCacheEntryRecord>> & object): Promise<void> {
    try {
      await writeCacheEntryRecord(dir, { ...record, lastUsedAt: now() });
    } catch (error) {
      // removed meanwhile by another process: nothing to mark
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
}

/** An entry's bytes on disk: its archive, and its prepared tree if it has one. */
function bytesOf(stored: StoredCacheEntry): number {
  return stored.entry.sizeBytes + stored.preparedBytes;
}

/**
 * Takes the entry's folder out of the layout in one rename (no reader sees half an entry), then deletes it.
 * False if it was gone already.
 */
async function removeEntry(dir: string): Promise<boolean> {
  const trash = join(dirname(dir), cacheTempName());
  try {
    await rename(dir, trash);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
  await rm(trash, { recursive: true, force: true });
  return true;
}
