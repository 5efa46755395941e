import { createReadStream } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Store } from "../backend/storage/store.js";
import type { RunRecord } from "../runs/run-types.js";
import { describeRunView } from "./run-page/describe-run-view.js";
import { readScan } from "./run-page/read-scan.js";
import { renderRunPage, type RunPageContent } from "./run-page/render-run-page.js";
import type { RunAccess } from "./run-page/run-access.js";
import { readRenderedLines, runLogFiles } from "./run-page/run-log-files.js";
import { loadRunPageAssets } from "./run-page/run-page-assets.js";
import { MAX_EVENT_STREAMS, MAX_LINES_PER_READ, MAX_QUERY_CHARS, MAX_SEARCHES, PAGE_TAIL_LINES } from "./run-page/run-page-limits.js";
import { searchLog } from "./run-page/search-log.js";
import { DEFAULT_EVENT_TIMING, streamRunEvents, type EventTiming } from "./run-page/stream-run-events.js";

const RUN_PATH = /^\/runs\/([0-9a-f-]{36})(?:\/(lines|events|search|log))?$/;

/** The page's Content-Security-Policy: its own script and stylesheet files, nothing inline, no framing. */
export const RUN_PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const SECURITY_HEADERS = {
  "content-security-policy": RUN_PAGE_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};
// what a viewer may see depends on their cookie: no cache may keep it, or hand it to someone else
const RUN_DATA_HEADERS = { ...SECURITY_HEADERS, "cache-control": "private, no-store", vary: "Cookie" };

// The HTTP server (app/) mounts this page as one of its request handlers: true when the page answered.
type Handler = (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;

export interface RunPageOptions {
  store: Store;
  dataDir: string;
  /** Who may see a run's log (runs/run-page/run-access.ts; allowEveryone until sign-in is wired up). */
  access: RunAccess;
  /** Poll and ping intervals of the event streams (tests shorten them). */
  eventTiming?: Partial<EventTiming>;
  /** Event streams open at once; more are answered 503. */
  maxEventStreams?: number;
}

/**
 * The page a check run's "Details" link opens, `/runs/<id>`, and what its script asks for: `/lines` (rendered
 * lines by number), `/events` (server-sent events following the log live), `/search` (the whole log, on the
 * server), `/log` (the raw log as scanned, for download); `?attempt=N` picks an earlier attempt. Nothing past
 * the scanner's mark (LogScan.bytes) is ever shown: those bytes may hold values not masked yet.
 */
export function createRunPageHandler(options: RunPageOptions): Handler {
  const assets = loadRunPageAssets();
  const timing = { ...DEFAULT_EVENT_TIMING, ...options.eventTiming };
  const maxStreams = options.maxEventStreams ?? MAX_EVENT_STREAMS;
  let openStreams = 0;
  let searches = 0;

  return async (request, response) => {
    if (request.method !== "GET") return false;
    const url = new URL(request.url ?? "/", "http://gantry.invalid");
    const asset = assets.get(url.pathname);
    if (asset) {
      response.writeHead(200, { ...SECURITY_HEADERS, "content-type": asset.contentType, "cache-control": "no-cache", "content-length": String(asset.body.length) }).end(asset.body);
      return true;
    }
    const match = RUN_PATH.exec(url.pathname);
    if (!match) return false;
    const plain = (status: number, text: string) => {
      response.writeHead(status, { ...RUN_DATA_HEADERS, "content-type": "text/plain; charset=utf-8" }).end(`${text}\n`);
      return true;
    };
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { ...RUN_DATA_HEADERS, "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(body));
      return true;
    };
    const run = await options.store.getRun(match[1]!);
    if (!run) return plain(404, "No such run.");
    const attempt = attemptOf(url, run);
    if (attempt === null) return plain(404, `No such attempt: ${JSON.stringify(url.searchParams.get("attempt"))}.`);
    const endpoint = match[2] ?? "page";
    const access = await options.access(request, run);
    const scan = access.allowed ? await readScan(options.dataDir, run.id, attempt) : null;
    const files = runLogFiles(options.dataDir, run.id, attempt);

    if (endpoint === "page") {
      const view = describeRunView(run, attempt, scan, Date.now());
      let content: RunPageContent;
      if (!access.allowed) content = { kind: "denied", signInUrl: access.signInUrl };
      else if (!scan) content = { kind: "unscanned", tail: attempt === Math.max(1, run.attempt) ? (run.result?.logTail ?? null) : null };
      else {
        const first = Math.max(1, scan.lines - PAGE_TAIL_LINES + 1);
        const read = await readRenderedLines(files, scan, first, PAGE_TAIL_LINES);
        content = { kind: "log", lines: read.lines, firstLine: first, position: read.endByte };
      }
      response.writeHead(200, { ...RUN_DATA_HEADERS, "content-type": "text/html; charset=utf-8" }).end(renderRunPage(run, view, content));
      return true;
    }
    if (!access.allowed) return plain(403, "You may not see the log of this run.");

    if (endpoint === "events") {
      const from = positionOf(request.headers["last-event-id"] ?? url.searchParams.get("from"));
      if (from === undefined) return plain(400, "Last-Event-ID and ?from= are byte positions in the log.");
      if (openStreams >= maxStreams) {
        response.writeHead(503, { ...RUN_DATA_HEADERS, "content-type": "text/plain; charset=utf-8", "retry-after": "10" }).end("Too many live pages open; try again soon.\n");
        return true;
      }
      openStreams += 1;
      try {
        await streamRunEvents(response, { store: options.store, dataDir: options.dataDir, run, attempt, from, timing, headers: RUN_DATA_HEADERS });
      } finally {
        openStreams -= 1;
      }
      return true;
    }
    if (endpoint === "lines") {
      const from = lineNumberOf(url.searchParams.get("from"));
      const to = lineNumberOf(url.searchParams.get("to"));
      if (from === null || to === null || to < from) return plain(400, "?from= and ?to= are line numbers (1-based, from ≤ to).");
      if (!scan) return json(200, { attempt, totalLines: 0, lines: [] });
      const count = Math.min(to - from + 1, MAX_LINES_PER_READ);
      const read = await readRenderedLines(files, scan, from, count);
      return json(200, { attempt, totalLines: scan.lines, lines: read.lines });
    }
    if (endpoint === "search") {
      const query = url.searchParams.get("q") ?? "";
      if (query.length > MAX_QUERY_CHARS) return plain(400, `?q= is longer than ${MAX_QUERY_CHARS} characters.`);
      if (!scan) return json(200, { attempt, query, hits: [], truncated: false, timedOut: false, searchedLines: 0 });
      if (searches >= MAX_SEARCHES) {
        response.writeHead(503, { ...RUN_DATA_HEADERS, "content-type": "text/plain; charset=utf-8", "retry-after": "5" }).end("Too many searches running; try again soon.\n");
        return true;
      }
      searches += 1;
      try {
        return json(200, { attempt, query, ...(await searchLog(files.log, scan.bytes, query)) });
      } finally {
        searches -= 1;
      }
    }
    // the raw log, as far as it is scanned (masked): also while the run goes on
    if (!scan) return plain(404, "The log of this attempt is not on this node (or not written yet).");
    response.writeHead(200, {
      ...RUN_DATA_HEADERS,
      "content-type": "text/plain; charset=utf-8",
      "content-disposition": `attachment; filename="gantry-${run.id}-${attempt}.log"`,
      "content-length": String(scan.bytes),
    });
    if (scan.bytes === 0) response.end();
    else createReadStream(files.log, { start: 0, end: scan.bytes - 1 }).on("error", () => response.destroy()).pipe(response);
    return true;
  };
}

function attemptOf(url: URL, run: RunRecord): number | null {
  const latest = Math.max(1, run.attempt);
  const given = url.searchParams.get("attempt");
  if (given === null || given === "") return latest;
  const attempt = Number(given);
  return /^\d+$/.test(given) && attempt >= 1 && attempt <= latest ? attempt : null;
}

function lineNumberOf(value: string | null): number | null {
  if (value === null || !/^\d{1,15}$/.test(value)) return null;
  const n = Number(value);
  return n >= 1 ? n : null;
}

/** null when none is given; undefined when it is no position. */
function positionOf(value: string | string[] | null | undefined): number | null | undefined {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value !== "string" || !/^\d{1,15}$/.test(value)) return undefined;
  return Number(value);
}
