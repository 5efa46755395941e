import { open } from "node:fs/promises";
import type { LinePlace } from "./find-index-entry.js";
import type { LogLine } from "./render-log-lines.js";
import { MAX_BYTES_PER_READ, MAX_LINE_BYTES } from "./run-page-limits.js";

export interface LinesRead {
  lines: LogLine[];
  /** The byte after the last line returned (or skipped): where the next read starts. */
  endByte: number;
  /** The number of the line at `endByte`. */
  endLine: number;
  /** Bytes read from the file, to show that a read near the end of a huge log reads only near the end. */
  bytesRead: number;
}

const CHUNK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/**
 * Up to `count` lines from line `first` on, reading the log from `start` (a line start at or before `first`,
 * from the line index) and never past `scanBytes`: what lies beyond is not scanned yet and may hold values
 * still to be masked. Stops early after MAX_BYTES_PER_READ; a line longer than MAX_LINE_BYTES is cut.
 * A last line without a newline is returned only when it ends at `scanBytes` (the scanner's mark is at a line
 * end, or at the end of a finished log).
 */
export async function readLogLines(logFile: string, scanBytes: number, start: LinePlace, first: number, count: number): Promise<LinesRead> {
  const result: LinesRead = { lines: [], endByte: start.byte, endLine: start.line, bytesRead: 0 };
  if (count <= 0 || start.byte >= scanBytes) return result;
  const handle = await open(logFile, "r").catch(() => null);
  if (!handle) return result;
  try {
    const buffer = Buffer.alloc(CHUNK_BYTES);
    const decoder = new TextDecoder();
    let parts: Buffer[] = [];
    let kept = 0;
    let line = start.line;
    let position = start.byte;
    const finish = (endByte: number, cutAt: boolean) => {
      if (line >= first) result.lines.push({ n: line, text: decoder.decode(Buffer.concat(parts)), cut: cutAt });
      parts = [];
      kept = 0;
      line += 1;
      result.endByte = endByte;
      result.endLine = line;
    };
    let cut = false;
    outer: while (position < scanBytes && result.bytesRead < MAX_BYTES_PER_READ) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK_BYTES, scanBytes - position), position);
      if (bytesRead === 0) break; // the file is shorter than its scan says: nothing more to show
      result.bytesRead += bytesRead;
      const chunk = buffer.subarray(0, bytesRead);
      let from = 0;
      while (from < bytesRead) {
        const newline = chunk.indexOf(NEWLINE, from);
        const end = newline === -1 ? bytesRead : newline;
        if (line >= first && kept < MAX_LINE_BYTES) {
          const take = Math.min(end - from, MAX_LINE_BYTES - kept);
          parts.push(Buffer.from(chunk.subarray(from, from + take)));
          kept += take;
          if (take < end - from) cut = true;
        } else if (line >= first && end > from) cut = true;
        if (newline === -1) break;
        finish(position + newline + 1, cut);
        cut = false;
        from = newline + 1;
        if (result.lines.length >= count) break outer;
      }
      position += bytesRead;
    }
    if (position >= scanBytes && result.endByte < scanBytes && result.lines.length < count) finish(scanBytes, cut);
    return result;
  } finally {
    await handle.close();
  }
}
