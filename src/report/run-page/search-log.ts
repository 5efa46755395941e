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
// The end of a line longer than this (that crosses a chunk) is not searched: the search holds one chunk.
const SEARCHED_LINE_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/**
 * The lines of the log (up to `scanBytes`) whose plain text (no ANSI escapes, `\r` redraws collapsed) holds
 * `query`, ignoring case: a literal search (its characters escaped into a pattern without quantifiers, so
 * it runs in linear time), one chunk of the file at a time. Bounded in hits and in time.
 */
export async function searchLog(logFile: string, scanBytes: number, query: string, now: () => number = Date.now): Promise<SearchResult> {
  const result: SearchResult = { hits: [], truncated: false, timedOut: false, searchedLines: 0 };
  if (query === "") return result;
  const handle = await open(logFile, "r").catch(() => null);
  if (!handle) return result;
  const pattern = new RegExp(query.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&"), "gi");
  const deadline = now() + SEARCH_TIME_MS;
  const decoder = new TextDecoder();
  let line = 1;
  // plain text of whole lines, each ending in "\n": false once MAX_SEARCH_HITS are found and one more
  const search = (plain: string): boolean => {
    let at = 0;
    pattern.lastIndex = 0;
    for (let match = pattern.exec(plain); match; match = pattern.exec(plain)) {
      for (let newline = plain.indexOf("\n", at); newline !== -1 && newline < match.index; newline = plain.indexOf("\n", at)) {
        line += 1;
        at = newline + 1;
      }
      if (result.hits.length >= MAX_SEARCH_HITS) {
        result.truncated = true;
        return false;
      }
      const end = plain.indexOf("\n", match.index);
      const from = Math.max(at, match.index - SNIPPET_CONTEXT_CHARS);
      result.hits.push({ line, snippet: plain.slice(from, Math.min(end, match.index + match[0].length + SNIPPET_CONTEXT_CHARS)), matchStart: match.index - from, matchLength: match[0].length });
      // one hit a line
      line += 1;
      at = end + 1;
      pattern.lastIndex = at;
    }
    for (let newline = plain.indexOf("\n", at); newline !== -1; newline = plain.indexOf("\n", at)) {
      line += 1;
      at = newline + 1;
    }
    return true;
  };
  try {
    const buffer = Buffer.alloc(CHUNK_BYTES);
    let pending = Buffer.alloc(0);
    let skipping = false;
    let position = 0;
    while (position < scanBytes) {
      if (now() > deadline) {
        result.timedOut = true;
        return result;
      }
      const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK_BYTES, scanBytes - position), position);
      if (bytesRead === 0) break;
      position += bytesRead;
      let chunk = buffer.subarray(0, bytesRead);
      if (skipping) {
        const newline = chunk.indexOf(NEWLINE);
        if (newline === -1) continue;
        chunk = chunk.subarray(newline);
        skipping = false;
      }
      const work = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      const last = work.lastIndexOf(NEWLINE);
      const rest = work.subarray(last + 1);
      if (last >= 0 && !search(toPlainText(decoder.decode(work.subarray(0, last + 1))))) return result;
      pending = Buffer.from(rest.subarray(0, SEARCHED_LINE_BYTES));
      skipping = rest.length > SEARCHED_LINE_BYTES;
    }
    if (pending.length > 0) search(`${toPlainText(decoder.decode(pending))}\n`);
    return result;
  } finally {
    result.searchedLines = line - 1;
    await handle.close();
  }
}
