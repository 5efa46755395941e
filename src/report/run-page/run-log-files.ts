import { lineIndexPath, logPath } from "../../runs/log-path.js";
import type { LogScan } from "../../runs/log-scan.js";
import { findIndexEntry, type LinePlace } from "./find-index-entry.js";
import { readLogLines, type LinesRead } from "./read-log-lines.js";
import { renderLogLines, type RenderedLine } from "./render-log-lines.js";

/** One attempt's log as the page reads it: the files, and the scan that bounds what may be shown. */
export interface RunLogFiles {
  log: string;
  index: string;
}

export function runLogFiles(dataDir: string, runId: string, attempt: number): RunLogFiles {
  return { log: logPath(dataDir, runId, attempt), index: lineIndexPath(dataDir, runId, attempt) };
}

export interface RenderedRead extends Omit<LinesRead, "lines"> {
  lines: RenderedLine[];
}

/** Lines `first` … `first + count - 1` (within the scan), rendered, found through the line index. */
export async function readRenderedLines(files: RunLogFiles, scan: LogScan, first: number, count: number, start?: LinePlace): Promise<RenderedRead> {
  const place = start ?? (await findIndexEntry(files.index, { line: first, byte: scan.bytes }));
  const read = await readLogLines(files.log, scan.bytes, place, first, count);
  const indexBytes = "bytesRead" in place && typeof place.bytesRead === "number" ? place.bytesRead : 0;
  return { ...read, bytesRead: read.bytesRead + indexBytes, lines: renderLogLines(read.lines, annotationsByLine(scan)) };
}

function annotationsByLine(scan: LogScan): Map<number, number[]> {
  const byLine = new Map<number, number[]>();
  scan.annotations.forEach((annotation, index) => {
    if (annotation.logLine === undefined) return;
    byLine.set(annotation.logLine, [...(byLine.get(annotation.logLine) ?? []), index]);
  });
  return byLine;
}
