import { open } from "node:fs/promises";
import { findIndexEntry, type LinePlace } from "./find-index-entry.js";

const CHUNK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/**
 * The line that starts at byte `byte` of the log (a position an event stream resumes from), found from the
 * nearest line-index entry before it; null when no line starts there (not after a newline, or past `scanBytes`).
 */
export async function findLineAtByte(logFile: string, indexFile: string, scanBytes: number, byte: number): Promise<LinePlace | null> {
  if (!Number.isSafeInteger(byte) || byte < 0 || byte > scanBytes) return null;
  if (byte === 0) return { byte: 0, line: 1 };
  const entry = await findIndexEntry(indexFile, { line: Number.MAX_SAFE_INTEGER, byte });
  if (entry.byte === byte) return { byte, line: entry.line };
  const handle = await open(logFile, "r").catch(() => null);
  if (!handle) return null;
  try {
    const buffer = Buffer.alloc(CHUNK_BYTES);
    let line = entry.line;
    let position = entry.byte;
    let last = -1;
    while (position < byte) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK_BYTES, byte - position), position);
      if (bytesRead === 0) return null;
      for (let i = 0; i < bytesRead; i++) if (buffer[i] === NEWLINE) line += 1;
      last = buffer[bytesRead - 1]!;
      position += bytesRead;
    }
    return last === NEWLINE ? { byte, line } : null;
  } finally {
    await handle.close();
  }
}
