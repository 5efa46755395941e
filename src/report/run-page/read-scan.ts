import { readFile } from "node:fs/promises";
import type { LogScan } from "../../runs/log-scan.js";
import { scanPath } from "../../runs/log-path.js";

/**
 * What the worker's scanner published about one attempt's log; null when there is none (not scanned yet, or the
 * log is on another node's disk). A file caught mid-rewrite reads as none: the next poll sees it whole.
 */
export async function readScan(dataDir: string, runId: string, attempt: number): Promise<LogScan | null> {
  let text: string;
  try {
    text = await readFile(scanPath(dataDir, runId, attempt), "utf8");
  } catch {
    return null;
  }
  try {
    const scan = JSON.parse(text) as LogScan;
    return Number.isSafeInteger(scan.bytes) && Number.isSafeInteger(scan.lines) && Array.isArray(scan.steps) ? scan : null;
  } catch {
    return null;
  }
}
