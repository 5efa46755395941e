import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { lineIndexPath, logPath, scanPath } from "../../../src/runs/log-path.js";
import { LINE_INDEX_EVERY, type LogScan } from "../../../src/runs/log-scan.js";

/**
 * Writes an attempt's log with the scan and line index the worker's scanner would publish beside it (the
 * scanner's stand-in, written strictly to runs/log-scan.ts). By default the scan covers the text up to its last
 * newline (all of it once `complete`); `scannedBytes` sets the mark, leaving the rest unscanned.
 */
export async function writeScannedLog(
  dataDir: string,
  runId: string,
  attempt: number,
  text: string | Buffer,
  scan: Partial<Omit<LogScan, "runId" | "attempt" | "bytes" | "lines">> & { scannedBytes?: number } = {},
): Promise<LogScan> {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const complete = scan.complete ?? false;
  const lastNewline = bytes.lastIndexOf(0x0a);
  const scanned = scan.scannedBytes ?? (complete ? bytes.length : lastNewline + 1);
  const starts: number[] = [0];
  for (let i = 0; i < scanned; i++) if (bytes[i] === 0x0a && i + 1 < scanned) starts.push(i + 1);
  const lines = scanned === 0 ? 0 : starts.length;
  const index = Buffer.alloc(8 * Math.ceil(starts.length / LINE_INDEX_EVERY));
  for (let k = 0; k * LINE_INDEX_EVERY < starts.length; k++) index.writeBigUInt64LE(BigInt(starts[k * LINE_INDEX_EVERY]!), k * 8);
  const result: LogScan = {
    runId,
    attempt,
    bytes: scanned,
    lines,
    complete,
    steps: scan.steps ?? [],
    groups: scan.groups ?? [],
    annotations: scan.annotations ?? [],
    omittedAnnotations: scan.omittedAnnotations ?? 0,
    firstErrorLine: scan.firstErrorLine ?? null,
    updatedAt: Date.now(),
  };
  await mkdir(dirname(logPath(dataDir, runId, attempt)), { recursive: true });
  await writeFile(logPath(dataDir, runId, attempt), bytes);
  await writeFile(lineIndexPath(dataDir, runId, attempt), index);
  // as the scanner does: the scan is replaced whole (a rename), never seen half-written
  await writeFile(`${scanPath(dataDir, runId, attempt)}.tmp`, JSON.stringify(result));
  await rename(`${scanPath(dataDir, runId, attempt)}.tmp`, scanPath(dataDir, runId, attempt));
  return result;
}
