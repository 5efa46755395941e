import { rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { RECORD_NAME } from "./cache-layout.js";
import type { CacheEntryRecord } from "./cache-entry-record.js";
import { cacheTempName } from "./cache-temp-name.js";

/** Writes the record under a temporary name and renames it into place: a reader sees the old one or the new one. */
export async function writeCacheEntryRecord(dir: string, record: CacheEntryRecord): Promise<void> {
  const temp = join(dir, cacheTempName());
  try {
    await writeFile(temp, JSON.stringify(record) + "\n", { flag: "wx" });
    await rename(temp, join(dir, RECORD_NAME));
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
