import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as z from "zod";
import { RECORD_NAME } from "./cache-layout.js";
import { cacheTempName } from "./cache-temp-name.js";

/** `entry.json` beside an archive. The repository is the folder's, never repeated here. */
export const cacheEntryRecordSchema = z.object({
  scope: z.string().describe("the full ref whose cache this is, exactly as saved"),
  key: z.string().describe("the key exactly as saved (compared case-sensitively)"),
  sizeBytes: z.number().int().nonnegative().describe("bytes of the compressed archive on disk"),
  createdAt: z.number().describe("ms since epoch when it was saved: the newest wins a restore-key match"),
  lastUsedAt: z.number().describe("ms since epoch of its last save or restore: eviction removes the least recent first"),
});

export type CacheEntryRecord = z.infer<typeof cacheEntryRecordSchema>;

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
