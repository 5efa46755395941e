import * as z from "zod";

/** `entry.json` beside an archive. The repository is the folder's, never repeated here. */
export const cacheEntryRecordSchema = z.object({
  scope: z.string().describe("the full ref whose cache this is, exactly as saved"),
  key: z.string().describe("the key exactly as saved (compared case-sensitively)"),
  sizeBytes: z.number().int().nonnegative().describe("bytes of the compressed archive on disk"),
  createdAt: z.number().describe("ms since epoch when it was saved: the newest wins a restore-key match"),
  lastUsedAt: z.number().describe("ms since epoch of its last save or restore: eviction removes the least recent first"),
});

export type CacheEntryRecord = z.infer<typeof cacheEntryRecordSchema>;
