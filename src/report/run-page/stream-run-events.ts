import { stat } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import type { Store } from "../../backend/storage/store.js";
import { scanPath } from "../../runs/log-path.js";
import type { RunRecord } from "../../runs/run-types.js";
import { describeRunView, type RunView } from "./describe-run-view.js";
import { findLineAtByte } from "./find-line-at-byte.js";
import { findIndexEntry, type LinePlace } from "./find-index-entry.js";
import { readScan } from "./read-scan.js";
import { readRenderedLines, runLogFiles } from "./run-log-files.js";
import { MAX_CATCH_UP_LINES, PAGE_TAIL_LINES, PING_MS, SCAN_POLL_MS, STATE_POLL_MS } from "./run-page-limits.js";

/** How often a stream looks and pings; shorter in tests. */
export interface EventTiming {
  scanPollMs: number;
  statePollMs: number;
  pingMs: number;
  /** A completed run whose scan never says complete (its scanner died) ends its stream after this. */
  unfinishedScanGraceMs: number;
}

export const DEFAULT_EVENT_TIMING: EventTiming = { scanPollMs: SCAN_POLL_MS, statePollMs: STATE_POLL_MS, pingMs: PING_MS, unfinishedScanGraceMs: 10_000 };

// Lines per event: small enough for a browser to render between frames.
const LINES_PER_EVENT = 500;

export interface EventStreamOptions {
  store: Store;
  dataDir: string;
  run: RunRecord;
  attempt: number;
  /** Byte position to start from (Last-Event-ID, or ?from=); null: the scan's current end. */
  from: number | null;
  timing: EventTiming;
  headers: Record<string, string>;
}

/**
 * Server-sent events of one attempt: `state` (the RunView, when it changed), `lines` (rendered lines, each
 * event's id the byte position after them, so a reconnect's Last-Event-ID resumes exactly there), `skipped`
 * (more than MAX_CATCH_UP_LINES behind: the lines left out, for the page to load on demand), a ping
 * comment through idle proxies, and `end` once the run completed and every scanned line was sent. Follows
 * the scan file by its size and mtime (a stat per poll), reading lines only when the scan grew.
 */
export async function streamRunEvents(response: ServerResponse, options: EventStreamOptions): Promise<void> {
  const { timing, attempt } = options;
  const files = runLogFiles(options.dataDir, options.run.id, attempt);
  let scan = await readScan(options.dataDir, options.run.id, attempt);
  let place: LinePlace = { byte: 0, line: 1 };
  if (scan) {
    const wanted = options.from ?? scan.bytes;
    const found = await findLineAtByte(files.log, files.index, scan.bytes, wanted);
    if (!found) {
      response.writeHead(400, { ...options.headers, "content-type": "text/plain; charset=utf-8" }).end("No line starts at that position of the log.\n");
      return;
    }
    place = found;
  }
  response.writeHead(200, {
    ...options.headers,
    "content-type": "text/event-stream; charset=utf-8",
    "x-accel-buffering": "no",
    connection: "keep-alive",
  });
  response.flushHeaders();

  let closed = false;
  // the response's close: the connection went (or the stream ended), whatever the request's body did
  const done = new Promise<void>((resolve) => {
    response.on("close", () => {
      closed = true;
      resolve();
    });
  });
  const send = async (text: string) => {
    if (closed) return;
    if (!response.write(text)) await Promise.race([new Promise((resolve) => response.once("drain", resolve)), done]);
  };
  const sendEvent = (event: string, id: number, data: unknown) => send(`event: ${event}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`);

  let run = options.run;
  let lastView = "";
  let scanStamp = await stampOf(scanPath(options.dataDir, run.id, attempt));
  let lastStateAt = Date.now();
  let lastSendAt = Date.now();
  let completedAt: number | null = null;
  const sendState = async () => {
    const view: RunView = describeRunView(run, attempt, scan, Date.now());
    const key = JSON.stringify({ ...view, ranMs: null });
    if (key === lastView) return;
    lastView = key;
    await sendEvent("state", place.byte, view);
    lastSendAt = Date.now();
  };
  const sendLines = async () => {
    let first = place.line;
    let start: LinePlace = place;
    if (scan && scan.lines - place.line + 1 > MAX_CATCH_UP_LINES) {
      // far behind (a reconnect after long, a burst of output): the page gets the log's last part and a gap
      // it can fill from /lines, never the whole log
      first = scan.lines - PAGE_TAIL_LINES + 1;
      start = await findIndexEntry(files.index, { line: first, byte: scan.bytes });
      await sendEvent("skipped", place.byte, { fromLine: place.line, toLine: first - 1 });
    }
    while (scan && place.byte < scan.bytes && !closed) {
      const read = await readRenderedLines(files, scan, first, LINES_PER_EVENT, start);
      if (read.endByte <= place.byte) break; // the file is shorter than the scan says: wait for it
      place = { byte: read.endByte, line: read.endLine };
      first = place.line;
      start = place;
      await sendEvent("lines", place.byte, { lines: read.lines });
      lastSendAt = Date.now();
    }
  };

  try {
    await send(`retry: 2000\n\n`);
    await sendState();
    await sendLines();
    while (!closed) {
      await Promise.race([new Promise((resolve) => setTimeout(resolve, timing.scanPollMs)), done]);
      if (closed) break;
      const stamp = await stampOf(scanPath(options.dataDir, run.id, attempt));
      const fresh = stamp !== scanStamp ? await readScan(options.dataDir, run.id, attempt) : null;
      // a scan caught mid-write reads as none: its stamp is kept, so the next poll reads it again
      if (fresh) {
        scanStamp = stamp;
        scan = fresh;
        await sendState();
        await sendLines();
      }
      if (Date.now() - lastStateAt >= timing.statePollMs) {
        lastStateAt = Date.now();
        run = (await options.store.getRun(run.id)) ?? run;
        await sendState();
      }
      const view = describeRunView(run, attempt, scan, Date.now());
      if (view.state === "completed") {
        completedAt ??= Date.now();
        const caughtUp = !scan || place.byte >= scan.bytes;
        const finished = !scan || scan.complete || attempt < view.attempts || Date.now() - completedAt >= timing.unfinishedScanGraceMs;
        if (caughtUp && finished) {
          await sendEvent("end", place.byte, { state: view.state, conclusion: view.conclusion });
          break;
        }
      }
      if (Date.now() - lastSendAt >= timing.pingMs) {
        await send(`: ping\n\n`);
        lastSendAt = Date.now();
      }
    }
  } catch {
    // a store or file that failed mid-stream ends it: the browser reconnects from the last id it got
  }
  response.end();
}

async function stampOf(path: string): Promise<string> {
  return stat(path).then(
    (s) => `${s.size}:${s.mtimeMs}`,
    () => "none",
  );
}

