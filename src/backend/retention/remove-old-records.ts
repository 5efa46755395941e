import { rm } from "node:fs/promises";
import { setImmediate as nextTurn } from "node:timers/promises";
import { logDir } from "../../runs/log-path.js";
import type { Store } from "../storage/store.js";

/** Records one step removes at most: a short transaction (SQLite) or script (Redis), so webhooks get in between. */
export const RETENTION_BATCH = 100;

export interface RemovedTotals {
  deliveries: number;
  runs: number;
}

/**
 * Removes deliveries and completed runs older than `before` from the store, step by step (see
 * Store.removeOldRecords), and the removed runs' log folders on this node. Stops between steps once `signal`
 * is aborted; the next sweep goes on where it left off.
 */
export async function removeOldRecords(options: { store: Store; dataDir: string; before: number; signal?: AbortSignal; batch?: number }): Promise<RemovedTotals> {
  const totals: RemovedTotals = { deliveries: 0, runs: 0 };
  let cursor: number | null = 0;
  while (cursor !== null && !options.signal?.aborted) {
    const step = await options.store.removeOldRecords(options.before, options.batch ?? RETENTION_BATCH, cursor);
    totals.deliveries += step.deliveries;
    totals.runs += step.runIds.length;
    for (const id of step.runIds) await rm(logDir(options.dataDir, id), { recursive: true, force: true });
    cursor = step.cursor;
    // the event loop serves webhooks between steps, even when the store answers synchronously (SQLite)
    await nextTurn();
  }
  return totals;
}
