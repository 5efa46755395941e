import type { Logger } from "probot";
import { settleWithin } from "../loop/settle-within.js";
import type { Store } from "../storage/store.js";
import { removeOldLogs } from "./remove-old-logs.js";
import { removeOldRecords, type RemovedTotals } from "./remove-old-records.js";

export const DAY_MS = 24 * 60 * 60 * 1000;
const LOCK = "retention-sweep";
/** Long enough for a sweep of a month of records in small steps; a sweep that dies holds the lock no longer. */
const LOCK_LEASE_MS = 15 * 60_000;

export interface RetentionSweepOptions {
  store: Store;
  dataDir: string;
  /** Records and logs older than this go; at least 1 day. */
  retentionMs: number;
  log: Logger;
  /** The lock owner: one node at a time sweeps the store; every node sweeps its own logs. */
  nodeId: string;
  /** Default: hourly. */
  intervalMs?: number;
  /** Default: one minute after start, so a start-up is not slowed by it. */
  firstDelayMs?: number;
  now?: () => number;
  /**
   * This node's files besides its logs, swept on every node after them (a worker's mirrors and caches are on its
   * own disk, which no other node sees); resolves with how much of each it removed, by name.
   */
  sweepFiles?: (before: number, signal: AbortSignal) => Promise<Record<string, number>>;
}

export interface RetentionSweeps {
  /** Starts no step after this; resolves once the sweep in progress stopped (between two steps), or after `waitMs`. */
  stop(waitMs?: number): Promise<void>;
  /** Sweeps now (tests, and an operator's trigger); resolves with what it removed. */
  sweepNow(): Promise<RetentionReport>;
}

export interface RetentionReport extends RemovedTotals {
  /** Log folders removed besides those of the `runs` (runs another node removed, or kept for a busy delivery). */
  logs: number;
  /** What `sweepFiles` removed, when there is one. */
  files?: Record<string, number>;
}

/**
 * Removes, on a timer, the deliveries, completed runs and log folders older than the retention. Housekeeping:
 * the timer is unref'd and a failed sweep is logged, the next one runs on time.
 */
export function startRetentionSweeps(options: RetentionSweepOptions): RetentionSweeps {
  const { store, log } = options;
  const now = options.now ?? Date.now;
  const stopping = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<RetentionReport> | undefined;

  const sweep = async (): Promise<RetentionReport> => {
    const before = now() - options.retentionMs;
    const signal = stopping.signal;
    let totals: RemovedTotals = { deliveries: 0, runs: 0 };
    if (await store.acquireLock(LOCK, options.nodeId, now(), LOCK_LEASE_MS)) {
      try {
        totals = await removeOldRecords({ store, dataDir: options.dataDir, before, signal });
      } finally {
        await store.releaseLock(LOCK, options.nodeId);
      }
    }
    const logs = await removeOldLogs({ store, dataDir: options.dataDir, before, signal });
    if (totals.deliveries + totals.runs + logs > 0) {
      log.info(`retention: removed ${totals.deliveries} deliveries, ${totals.runs} runs (with their logs here) and ${logs} more log folders older than ${Math.round(options.retentionMs / DAY_MS)} days`);
    }
    const files = await options.sweepFiles?.(before, signal);
    if (files && Object.values(files).some((n) => n > 0)) {
      const parts = Object.entries(files).map(([name, n]) => `${n} ${name}`);
      log.info({ retention: files }, `retention: removed this node's files unused for ${Math.round(options.retentionMs / DAY_MS)} days: ${parts.join(", ")}`);
    }
    return { ...totals, logs, ...(files ? { files } : {}) };
  };

  const sweepNow = (): Promise<RetentionReport> => {
    // one sweep at a time: a second caller gets the one in progress
    running ??= sweep().finally(() => (running = undefined));
    return running;
  };

  const schedule = (delayMs: number): void => {
    if (stopping.signal.aborted) return;
    timer = setTimeout(() => {
      sweepNow()
        .catch((error: unknown) => log.error({ err: error }, "retention sweep failed; the next one tries again"))
        .finally(() => schedule(options.intervalMs ?? 60 * 60_000));
    }, delayMs);
    timer.unref();
  };
  schedule(options.firstDelayMs ?? 60_000);

  return {
    sweepNow,
    async stop(waitMs = Infinity) {
      stopping.abort();
      clearTimeout(timer);
      if (running) await settleWithin([running], waitMs);
    },
  };
}
