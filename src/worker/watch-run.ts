import type { RunRecord } from "../runs/run-types.js";
import type { Store } from "../backend/storage/store.js";
import { LOCK_LEASE_MS, acquireLocks } from "./run-locks.js";

const POLL_MS = 1_000;

/**
 * While a run runs: aborts it when someone asks to cancel it (the request may come through any node, so it is
 * read from the store) or when the worker shuts down, and renews its locks so they never lapse under it.
 */
export function watchRun(store: Store, run: RunRecord, shutdown: AbortSignal) {
  const cancel = new AbortController();
  let reason: string | null = run.cancelRequested;
  if (reason) cancel.abort();
  let lastRenewal = Date.now();
  const timer = setInterval(async () => {
    const now = await store.getRun(run.id).catch(() => null);
    if (now?.cancelRequested && !cancel.signal.aborted) {
      reason = now.cancelRequested;
      cancel.abort();
    }
    if (Date.now() - lastRenewal > LOCK_LEASE_MS / 3) {
      lastRenewal = Date.now();
      await acquireLocks(store, run).catch(() => false);
    }
  }, POLL_MS);
  return {
    signal: AbortSignal.any([cancel.signal, shutdown]),
    cancelReason: () => reason,
    stop: () => clearInterval(timer),
  };
}
