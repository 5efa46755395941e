import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { hashMatches, isHashedName, isRepositoryName, PREPARED_BYTES_NAME, PREPARED_NAME, repositoryDir } from "./cache-layout.js";
import { readCacheEntryRecord } from "./read-cache-entry-record.js";
import type { CacheEntry } from "./cache-store.js";

/** An entry with the folder it is in, and what its prepared tree (if it has one) takes besides the archive. */
export interface StoredCacheEntry {
  entry: CacheEntry;
  dir: string;
  preparedBytes: number;
}

/**
 * The entries on disk, read from their records each time: another process sharing the folder may have added or
 * removed some. Only folders named as the layout names them, with a record whose scope and key hash to those
 * names, count: temporary names and half-written entries are not entries. `only` narrows to one repository's scopes (the others are not even listed).
 */
export async function listCacheEntries(
  root: string,
  only?: { repositoryId: number; scopes: readonly string[] },
): Promise<StoredCacheEntry[]> {
  const repositoryIds = only ? [only.repositoryId] : (await namesIn(root)).filter(isRepositoryName).map(Number);
  const found: StoredCacheEntry[] = [];
  for (const repositoryId of repositoryIds) {
    const repository = repositoryDir(root, repositoryId);
    const scopeNames = (await namesIn(repository)).filter(isHashedName);
    for (const scopeName of scopeNames) {
      if (only && !only.scopes.some((scope) => hashMatches(scopeName, scope))) continue;
      for (const keyName of (await namesIn(join(repository, scopeName))).filter(isHashedName)) {
        const dir = join(repository, scopeName, keyName);
        const record = await readCacheEntryRecord(dir);
        if (!record || !hashMatches(scopeName, record.scope) || !hashMatches(keyName, record.key)) continue;
        found.push({ entry: { repositoryId, ...record }, dir, preparedBytes: await preparedBytesOf(dir) });
      }
    }
  }
  return found;
}

async function namesIn(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return [];
    throw error;
  }
}

async function preparedBytesOf(dir: string): Promise<number> {
  try {
    const bytes = Number((await readFile(join(dir, PREPARED_NAME, PREPARED_BYTES_NAME), "utf8")).trim());
    return Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : 0;
  } catch {
    // none (or taken by a restore just now)
    return 0;
  }
}
