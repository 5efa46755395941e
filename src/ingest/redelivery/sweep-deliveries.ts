import type { Logger, ProbotOctokit } from "probot";
import { HANDLED_EVENTS } from "../../dispatch/handled-events.js";
import { REDELIVERY_WINDOW_MS } from "../../github/redelivery-window.js";
import { listRecentDeliveries } from "./list-recent-deliveries.js";
import { planRedeliveries } from "./plan-redeliveries.js";
import { requestRedelivery } from "./request-redelivery.js";

/** App-authenticated (JWT) Octokit: `await probot.auth()` without an installation id. */
export type AppOctokit = ProbotOctokit;

/** Events gantry may act on; other events are not worth waking GitHub for. */
const HANDLED_EVENT_NAMES: ReadonlySet<string> = new Set(Object.keys(HANDLED_EVENTS));
/** Deliveries can show up in the list a while after they were made; each sweep looks back this much further. */
export const SWEEP_OVERLAP_MS = 5 * 60 * 1000;

export interface SweepDeps {
  octokit: AppOctokit;
  /** Gantry already has this delivery (store.hasDelivery). */
  isRecorded(guid: string): Promise<boolean>;
  /** Epoch ms of the start of the last completed sweep; null = never. */
  lastSweepAt(): Promise<number | null>;
  setLastSweepAt(at: number): Promise<void>;
  now(): number;
  log: Logger;
  /** Only redeliver these events (default: those gantry handles). */
  events?: ReadonlySet<string>;
}

export interface SweepReport {
  /** Delivery attempts listed within the sweep's window. */
  scanned: number;
  /** Delivery ids GitHub accepted a redelivery request for. */
  redelivered: number[];
  /** Undelivered events left alone: already recorded by gantry, redelivery in flight, or the request failed. */
  skipped: number;
  /** List pages requested. */
  pages: number;
}

/**
 * Asks GitHub to redeliver webhook events that never reached gantry, since GitHub does not retry
 * failed deliveries by itself. Throws when the deliveries cannot be listed (nothing is redelivered
 * then: a later page may hold the successful attempt of an event that failed on an earlier one).
 */
export async function sweepDeliveries(deps: SweepDeps): Promise<SweepReport> {
  const startedAt = deps.now();
  const last = await deps.lastSweepAt();
  const oldest = startedAt - REDELIVERY_WINDOW_MS;
  const since = last === null ? oldest : Math.max(oldest, last - SWEEP_OVERLAP_MS);
  const { attempts, pages } = await listRecentDeliveries(deps.octokit, since);
  const plan = planRedeliveries(attempts, { events: deps.events ?? HANDLED_EVENT_NAMES, now: startedAt });

  const redelivered: number[] = [];
  const counts = { recorded: 0, inFlight: plan.inFlight.length, givenUp: plan.givenUp.length, refused: 0, failed: 0 };
  for (const candidate of plan.candidates) {
    if (await deps.isRecorded(candidate.guid)) {
      counts.recorded += 1;
      continue;
    }
    const outcome = await requestRedelivery(deps.octokit, candidate.deliveryId, candidate.guid, deps.log);
    if (outcome === "accepted") redelivered.push(candidate.deliveryId);
    else counts[outcome] += 1;
  }
  // The next sweep starts where this one started, so events delivered while it ran are seen next time;
  // after a request that may work later, the window stays put so the next sweep tries it again.
  const complete = counts.failed === 0;
  if (complete) await deps.setLastSweepAt(startedAt);

  const report: SweepReport = { scanned: attempts.length, redelivered, skipped: counts.recorded + counts.inFlight + counts.givenUp + counts.refused + counts.failed, pages };
  deps.log.info(
    { ...report, ...counts, since: new Date(since).toISOString(), complete },
    `redelivery sweep: ${report.scanned} attempts on ${pages} page(s), ${redelivered.length} redelivered, ${report.skipped} skipped`,
  );
  return report;
}
