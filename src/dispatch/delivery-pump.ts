import { RequestError } from "@octokit/request-error";
import { describeGitHubError } from "../github/describe-github-error.js";
import { WorkLoop } from "../backend/loop/work-loop.js";
import type { Delivery, FinishedDelivery } from "../backend/storage/store.js";
import type { RunDeps } from "../runs/run-deps.js";
import { createDeliveryFinisher } from "./create-delivery-finisher.js";
import { handledEvent } from "./handled-events.js";

const BATCH = 8;
const RETRY_DELAYS_MS = [2_000, 10_000, 60_000, 5 * 60_000, 30 * 60_000];

/**
 * Turns recorded deliveries into runs, after the webhook was answered. Deliveries recorded before a crash
 * are picked up at the next start; a GitHub outage delays a delivery instead of losing it. Several nodes may
 * pump one store: each delivery is leased to one of them.
 */
export function createDeliveryPump(deps: RunDeps): WorkLoop<Delivery> {
  const owner = deps.nodeId;
  const finish = createDeliveryFinisher(deps.store);
  return new WorkLoop<Delivery>({
    name: "delivery pump",
    batch: BATCH,
    claim: (free, leaseMs) => deps.store.claimDeliveries(owner, Date.now(), free, leaseMs),
    renew: (ids, leaseMs) => deps.store.renewDeliveryLeases(owner, ids, Date.now(), leaseMs),
    key: (delivery) => delivery.id,
    handle: (delivery) => dispatch(deps, delivery, finish),
    log: deps.log,
  });
}

async function dispatch(deps: RunDeps, delivery: Delivery, finish: (finished: FinishedDelivery) => Promise<void>): Promise<void> {
  // fields per line, not a child logger per delivery: a child serializes its bindings even when nothing is logged
  const about = { delivery: delivery.id, event: delivery.event };
  const log = deps.log;
  try {
    const handled = handledEvent(delivery.event);
    const outcome = handled ? await handled.dispatch(deps, delivery) : "event not handled";
    log.info(about, `dispatched: ${outcome}`);
    await finish({ id: delivery.id });
  } catch (error) {
    const delay = RETRY_DELAYS_MS[delivery.attempts];
    const message = describeGitHubError(error);
    if (delay === undefined || !isTransient(error)) {
      log.error(about, `dispatch failed, giving up: ${message}`);
      await finish({ id: delivery.id, error: message });
    } else {
      log.warn(about, `dispatch failed, retrying in ${delay / 1000}s: ${message}`);
      await deps.store.retryDeliveryLater(delivery.id, Date.now() + delay, message);
    }
  }
}

/** A 4xx from GitHub (other than rate limits) will not change by retrying; anything else may. */
function isTransient(error: unknown): boolean {
  if (error instanceof SyntaxError) return false;
  if (error instanceof RequestError) return error.status >= 500 || error.status === 429 || error.status === 403;
  return true;
}
