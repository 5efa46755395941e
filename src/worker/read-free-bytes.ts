import { statfs } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Bytes an unprivileged process may still write on the file system holding `dir`. A directory not made yet (a
 * Redis worker creates its data directory only with its first run's files) will be on the file system of its
 * nearest existing parent, so that is the one asked.
 */
export async function readFreeBytes(dir: string): Promise<number> {
  for (let path = dir; ; path = dirname(path)) {
    try {
      const stats = await statfs(path);
      return stats.bavail * stats.bsize;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT" || dirname(path) === path) throw error;
    }
  }
}
