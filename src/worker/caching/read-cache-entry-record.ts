import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { RECORD_NAME } from "./cache-layout.js";
import { cacheEntryRecordSchema, type CacheEntryRecord } from "./cache-entry-record.js";

/** The record of the entry folder `dir`, or null if there is none (gone, never finished) or it is unreadable. */
export async function readCacheEntryRecord(dir: string): Promise<CacheEntryRecord | null> {
  let text: string;
  try {
    text = await readFile(join(dir, RECORD_NAME), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = cacheEntryRecordSchema.safeParse(json);
  return parsed.success ? parsed.data : null;
}
