import type { Logger } from "probot";
import type { GitHubApp } from "../../github/github-app.js";
import type { Store } from "../../backend/storage/store.js";
import { startRedeliverySweeps } from "./redelivery-timer.js";
import { sweepDeliveries, type SweepReport } from "./sweep-deliveries.js";

const LAST_SWEEP = "redelivery.lastSweepAt";
const LOCK = "redelivery-sweep";
/** Long enough for a sweep after an outage (a redelivery request a second, under GitHub's write throttle). */
const LOCK_LEASE_MS = 15 * 60_000;

/**
 * Every `intervalMs`, asks GitHub to redeliver what failed to reach gantry. One node sweeps at a time (a store
 * lease); deliveries gantry already recorded are never asked for again.
 */
export function startSweeps(options: { store: Store; github: GitHubApp; log: Logger; intervalMs: number; nodeId: string }) {
  const { store, log } = options;
  const owner = options.nodeId;
  const empty: SweepReport = { scanned: 0, redelivered: [], skipped: 0, pages: 0 };
  return startRedeliverySweeps({
    intervalMs: options.intervalMs,
    log,
    async sweep() {
      if (!(await store.acquireLock(LOCK, owner, Date.now(), LOCK_LEASE_MS))) return empty;
      try {
        return await sweepDeliveries({
          octokit: await options.github.app(),
          isRecorded: (guid) => store.hasDelivery(guid),
          lastSweepAt: async () => {
            const value = await store.getMeta(LAST_SWEEP);
            return value === null ? null : Number(value);
          },
          setLastSweepAt: (at) => store.setMeta(LAST_SWEEP, String(at)),
          now: () => Date.now(),
          log,
        });
      } finally {
        await store.releaseLock(LOCK, owner);
      }
    },
  });
}
