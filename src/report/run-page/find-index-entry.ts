import { open } from "node:fs/promises";
import { LINE_INDEX_EVERY } from "../../runs/log-scan.js";

/** A place in a log where a line starts: its byte offset and its 1-based number. */
export interface LinePlace {
  byte: number;
  line: number;
}

const ENTRY_BYTES = 8;

/**
 * The last place the line index knows at or before both line `line` and byte `byte`: a binary search over
 * the index file (little-endian u64 per LINE_INDEX_EVERY-th line), reading a few entries, never the log.
 * Without an index (or before its first entry) that is the log's start. `bytesRead` counts what was read.
 */
export async function findIndexEntry(indexPath: string, limits: { line: number; byte: number }): Promise<LinePlace & { bytesRead: number }> {
  const start = { byte: 0, line: 1, bytesRead: 0 };
  const handle = await open(indexPath, "r").catch(() => null);
  if (!handle) return start;
  try {
    const entries = Math.floor((await handle.stat()).size / ENTRY_BYTES);
    const buffer = Buffer.alloc(ENTRY_BYTES);
    let bytesRead = 0;
    const entry = async (j: number) => {
      await handle.read(buffer, 0, ENTRY_BYTES, j * ENTRY_BYTES);
      bytesRead += ENTRY_BYTES;
      return Number(buffer.readBigUInt64LE(0));
    };
    // entries are increasing: the last one within both limits
    let low = 0;
    let high = Math.min(entries - 1, Math.floor((limits.line - 1) / LINE_INDEX_EVERY));
    let found = start;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const byte = await entry(middle);
      if (byte <= limits.byte) {
        found = { byte, line: 1 + middle * LINE_INDEX_EVERY, bytesRead: 0 };
        low = middle + 1;
      } else high = middle - 1;
    }
    return { ...found, bytesRead };
  } finally {
    await handle.close();
  }
}
