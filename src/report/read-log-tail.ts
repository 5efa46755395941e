import { open, type FileHandle } from "node:fs/promises";
import { toPlainText } from "../runs/plain-text.js";

export interface LogTail {
  text: string;
  /** Something before `text` was left out. */
  truncated: boolean;
}

export interface ReadLogTailOptions {
  /** Limit on the size of `text` in UTF-8 (GitHub counts its check-run limit in bytes). */
  maxBytes: number;
  /** How much of the file's end is read at most; defaults to `maxBytes * 4`, room for escapes that are stripped. */
  readBytes?: number;
}

const NEWLINE = 0x0a;

/**
 * The end of a log file as plain text within `maxBytes` of UTF-8: only the last `readBytes` are read, so a
 * multi-GB log costs no more than a small one. The text starts at a line start (or, when one line alone is
 * longer, at a whole character) and has no ANSI escapes or `\r` progress redraws. A missing file is an empty log.
 */
export async function readLogTail(path: string, options: ReadLogTailOptions): Promise<LogTail> {
  const maxBytes = Math.max(0, Math.floor(options.maxBytes));
  const readBytes = Math.max(1, Math.floor(options.readBytes ?? maxBytes * 4));
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    if (isMissing(error)) return { text: "", truncated: false };
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - readBytes);
    // One byte more than the window shows whether the window already begins at a line start.
    const from = Math.max(0, start - 1);
    const bytes = await readAt(handle, from, size - from);
    const cut = start > 0;
    const kept = cut ? bytes.subarray(firstLineStart(bytes)) : bytes;
    // `stream: true` holds back an incomplete character at the end (a writer mid-character) instead of printing U+FFFD.
    const decoded = new TextDecoder("utf-8").decode(kept, { stream: true });
    const text = toPlainText(decoded);
    const encoded = Buffer.from(text);
    if (encoded.length <= maxBytes) return { text, truncated: cut };
    // The same cut again on the cleaned text, from one byte before its last `maxBytes`.
    const window = encoded.subarray(encoded.length - maxBytes - 1);
    return { text: window.subarray(firstLineStart(window)).toString("utf8"), truncated: true };
  } finally {
    await handle.close();
  }
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  // A short read only means the file shrank (rotated) meanwhile; keep what there is.
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

// `bytes` starts one byte before the window. A newline byte never occurs inside a multi-byte UTF-8
// character, so cutting after one is also a clean character boundary.
function firstLineStart(bytes: Buffer): number {
  const newline = bytes.indexOf(NEWLINE);
  if (newline !== -1 && newline < bytes.length - 1) return newline + 1;
  // A single line longer than the window: keep its end, from the first whole character.
  let index = Math.min(1, bytes.length);
  while (index < bytes.length && ((bytes[index] ?? 0) & 0xc0) === 0x80) index++;
  return index;
}

function isMissing(error: unknown): boolean {
  return error instanceof Error && "code" in error && error.code === "ENOENT";
}
