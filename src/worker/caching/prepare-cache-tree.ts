import { rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ARCHIVE_NAME, PREPARED_BYTES_NAME, PREPARED_NAME } from "./cache-layout.js";
import { cacheTempName } from "./cache-temp-name.js";
import { extractCacheArchive } from "./unpack-cache-archive.js";

/**
 * Unpacks the entry folder's archive, checked as a restore checks it, into `<dir>/prepared` for the next restore
 * to take whole: under a temporary name in the entry's folder first (a crash leaves a leftover, never half a
 * tree under the real name). Nothing if a tree is there already, the entry went meanwhile, or `fits` says a tree
 * of its size would not fit.
 */
export async function prepareCacheTree(dir: string, options: { fits?: (diskBytes: number) => Promise<boolean> } = {}): Promise<void> {
  const temp = join(dir, cacheTempName());
  try {
    const extracted = await extractCacheArchive(join(dir, ARCHIVE_NAME), temp, options);
    if (extracted === null) return;
    const { diskBytes } = extracted;
    await writeFile(join(temp, PREPARED_BYTES_NAME), `${diskBytes}\n`);
    await rename(temp, join(dir, PREPARED_NAME));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ENOTEMPTY/EEXIST: another process prepared it first; ENOENT: the entry was evicted meanwhile
    if (code !== "ENOTEMPTY" && code !== "EEXIST" && code !== "ENOENT") throw error;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
