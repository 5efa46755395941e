import { open } from "node:fs/promises";
import { toPlainText } from "../../runs/plain-text.js";
import { MAX_SEARCH_HITS, SEARCH_TIME_MS, SNIPPET_CONTEXT_CHARS } from "./run-page-limits.js";

export interface SearchHit {
  line: number;
  /** Plain text around the match (no escapes), and where the match is in it. */
  snippet: string;
  matchStart: number;
  matchLength: number;
}

export interface SearchResult {
  hits: SearchHit[];
  /** Stopped at MAX_SEARCH_HITS: there may be more. */
  truncated: boolean;
  /** Stopped at SEARCH_TIME_MS before the end of the log. */
  timedOut: boolean;
  searchedLines: number;
}

const CHUNK_BYTES = 1024 * 1024;
// Longer lines are searched in their first part only (a single line cannot hold the search's memory).
const SEARCHED_LINE_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/**
 * The lines of the log (up to `scanBytes`) whose plain text (no ANSI escapes, `\r` redraws collapsed) holds
 * `query`, ignoring case: a literal search, never a pattern, streaming through the file in chunks. Bounded in
 * hits and in time.
 */
export async function searchLog(logFile: string, scanBytes: number, query: string, now: () => number = Date.now): Promise<SearchResult> {
  const result: SearchResult = { hits: [], truncated: false, timedOut: false, searchedLines: 0 };
  const needle = query.toLowerCase();
  if (needle === "") return result;
  const handle = await open(logFile, "r").catch(() => null);
  if (!handle) return result;
  const deadline = now() + SEARCH_TIME_MS;
  const decoder = new TextDecoder();
  try {
    const buffer = Buffer.alloc(CHUNK_BYTES);
    let carry: Buffer[] = [];
    let carried = 0;
    let position = 0;
    const check = (bytes: Buffer) => {
      result.searchedLines += 1;
      const plain = toPlainText(decoder.decode(bytes));
      const at = plain.toLowerCase().indexOf(needle);
      if (at < 0) return true;
      if (result.hits.length >= MAX_SEARCH_HITS) {
        result.truncated = true;
        return false;
      }
      const from = Math.max(0, at - SNIPPET_CONTEXT_CHARS);
      const snippet = plain.slice(from, at + needle.length + SNIPPET_CONTEXT_CHARS);
      result.hits.push({ line: result.searchedLines, snippet, matchStart: at - from, matchLength: needle.length });
      return true;
    };
    while (position < scanBytes) {
      if (now() > deadline) {
        result.timedOut = true;
        return result;
      }
      const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK_BYTES, scanBytes - position), position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const chunk = buffer.subarray(0, bytesRead);
      let from = 0;
      for (;;) {
        const newline = chunk.indexOf(NEWLINE, from);
        const end = newline === -1 ? bytesRead : newline;
        if (carried < SEARCHED_LINE_BYTES) {
          const piece = chunk.subarray(from, Math.min(end, from + SEARCHED_LINE_BYTES - carried));
          carry.push(Buffer.from(piece));
          carried += piece.length;
        }
        if (newline === -1) break;
        if (!check(Buffer.concat(carry))) return result;
        carry = [];
        carried = 0;
        from = newline + 1;
      }
    }
    if (carried > 0) check(Buffer.concat(carry));
    return result;
  } finally {
    await handle.close();
  }
}
