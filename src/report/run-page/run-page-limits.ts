/** The limits of the run page, in one place. */

/** Lines the page shows at first (the end of the log); earlier ones load on demand. */
export const PAGE_TAIL_LINES = 1_000;
/** An event stream further behind than this skips to the log's last PAGE_TAIL_LINES (the page loads the gap on demand). */
export const MAX_CATCH_UP_LINES = 5_000;
/** Lines one /lines answer (or one SSE event) holds at most. */
export const MAX_LINES_PER_READ = 2_000;
/** Bytes one read of lines may go through at most (a few enormous lines cannot make an answer huge). */
export const MAX_BYTES_PER_READ = 8 * 1024 * 1024;
/** A line longer than this (in bytes) is shown cut, with a mark. */
export const MAX_LINE_BYTES = 16 * 1024;
/** Search: hits returned at most, the longest query, and how long one search may take. */
export const MAX_SEARCH_HITS = 200;
export const MAX_QUERY_CHARS = 200;
export const SEARCH_TIME_MS = 10_000;
/** Searches running at once per server (each takes a core while it runs); more are answered 503. */
export const MAX_SEARCHES = 4;
/** Characters of context shown on each side of a search hit. */
export const SNIPPET_CONTEXT_CHARS = 60;
/** Server-sent event streams open at once per server; more are refused with 503. */
export const MAX_EVENT_STREAMS = 200;
/** How often a stream looks at the scan file (stat only) and at the run's record. */
export const SCAN_POLL_MS = 250;
export const STATE_POLL_MS = 1_000;
/** A comment through idle proxies. */
export const PING_MS = 15_000;
