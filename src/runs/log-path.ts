import { join } from "node:path";

/**
 * Where the logs of a run are kept under a data directory: one folder per run, one log per attempt, so a run
 * taken over after a crash never writes into the log of the attempt before it. Written by its worker, read by
 * the report and the run page.
 */
export function logDir(dataDir: string, runId: string): string {
  return join(dataDir, "logs", runId);
}

/** The log of one attempt (attempts count from 1, as RunRecord.attempt does once a worker took the run). */
export function logPath(dataDir: string, runId: string, attempt: number): string {
  return join(logDir(dataDir, runId), `${attempt}.log`);
}

/** What the worker's scanner found in that log (LogScan, as JSON), rewritten whole as it grows. */
export function scanPath(dataDir: string, runId: string, attempt: number): string {
  return join(logDir(dataDir, runId), `${attempt}.scan.json`);
}

/** Byte offsets of every LINE_INDEX_EVERY-th line of that log, as little-endian 64-bit numbers, appended as found. */
export function lineIndexPath(dataDir: string, runId: string, attempt: number): string {
  return join(logDir(dataDir, runId), `${attempt}.lines`);
}
