import { lstatSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { isHashedName, isRepositoryName } from "./cache-layout.js";
import { isAbandonedTemp, isTempName } from "./cache-temp-name.js";

/**
 * What a crash left under the caches folder: temporary archives, records and folders of saves that never
 * finished, and entries half removed. Synchronous: it runs once, when the store opens. Returns the paths removed.
 */
export function removeCacheLeftovers(root: string): string[] {
  const removed: string[] = [];
  const now = Date.now();
  const sweep = (dir: string) => {
    for (const name of namesIn(dir)) {
      if (!isTempName(name)) continue;
      const path = join(dir, name);
      let ageMs: number;
      try {
        ageMs = now - lstatSync(path).mtimeMs;
      } catch {
        continue;
      }
      if (!isAbandonedTemp(name, ageMs)) continue;
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    }
  };
  for (const repository of namesIn(root).filter(isRepositoryName)) {
    const repositoryPath = join(root, repository);
    for (const scope of namesIn(repositoryPath).filter(isHashedName)) {
      const scopePath = join(repositoryPath, scope);
      sweep(scopePath);
      // a record being rewritten (lastUsedAt) leaves its temporary name inside the entry's folder
      for (const key of namesIn(scopePath).filter(isHashedName)) sweep(join(scopePath, key));
    }
  }
  return removed;
}

function namesIn(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
