import { RequestError } from "@octokit/request-error";
import { describeGitHubError } from "../github/describe-github-error.js";
import { WorkLoop } from "../backend/loop/work-loop.js";
import type { ClaimedDelivery, FinishedDelivery } from "../backend/storage/store.js";
import type { RunDeps } from "../runs/run-deps.js";
import { createDeliveryFinisher } from "./create-delivery-finisher.js";
import { createPayloadMemory, type PayloadMemory, type RecordedPayload } from "./create-payload-memory.js";
import { handledEvent } from "./handled-events.js";

const BATCH = 8;
const RETRY_DELAYS_MS = [2_000, 10_000, 60_000, 5 * 60_000, 30 * 60_000];
/**
 * What the pump keeps of the payloads the ack path parsed, until dispatched: a burst's backlog at GitHub's
 * usual sizes (7.6 kB is typical, so about 8 MB) fits in the count; a few 25 MB pushes hit the bytes first.
 */
export const PAYLOAD_MEMORY_BOUND = { maxCount: 1_000, maxBytes: 64 * 1024 * 1024 };

export type DeliveryPump = Pick<WorkLoop<ClaimedDelivery>, "start" | "wake" | "stop" | "drain"> & {
  /** The ack path recorded a delivery: dispatch it soon, from the payload the ack path parsed if it is kept. */
  recorded(recorded: RecordedPayload): void;
};

/**
 * Turns recorded deliveries into runs, after the webhook was answered. Deliveries recorded before a crash
 * are picked up at the next start; a GitHub outage delays a delivery instead of losing it. Several nodes may
 * pump one store: each delivery is leased to one of them.
 */
export function createDeliveryPump(deps: RunDeps, bound = PAYLOAD_MEMORY_BOUND): DeliveryPump {
  const owner = deps.nodeId;
  const finish = createDeliveryFinisher(deps.store);
  const memory = createPayloadMemory(bound);
  const loop = new WorkLoop<ClaimedDelivery>({
    name: "delivery pump",
    batch: BATCH,
    claim: async (free, leaseMs) => {
      const claimed = await deps.store.claimDeliveries(owner, Date.now(), free, leaseMs);
      memory.claimed(claimed);
      return claimed;
    },
    renew: (ids, leaseMs) => deps.store.renewDeliveryLeases(owner, ids, Date.now(), leaseMs),
    key: (delivery) => delivery.id,
    handle: (delivery) => dispatch(deps, delivery, memory, finish),
    log: deps.log,
  });
  return {
    start: (pollMs) => loop.start(pollMs),
    wake: () => loop.wake(),
    stop: (waitMs) => loop.stop(waitMs),
    drain: (timeoutMs) => loop.drain(timeoutMs),
    recorded(recorded) {
      memory.keep(recorded);
      loop.wake();
    },
  };
}

async function dispatch(deps: RunDeps, delivery: ClaimedDelivery, memory: PayloadMemory, finish: (finished: FinishedDelivery) => Promise<void>): Promise<void> {
  // fields per line, not a child logger per delivery: a child serializes its bindings even when nothing is logged
  const about = { delivery: delivery.id, event: delivery.event };
  const log = deps.log;
  // taken whatever happens next: a retry reads the store's copy, so the memory holds only what waits
  const kept = memory.take(delivery.id);
  try {
    const outcome = await dispatchOne(deps, delivery, kept);
    if (outcome === null) {
      log.info(about, "not dispatched: finished elsewhere since claimed (its lease lapsed here)");
      return;
    }
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

/** What dispatching did, for the log; null when the delivery has no payload left to dispatch. */
async function dispatchOne(deps: RunDeps, delivery: ClaimedDelivery, kept: unknown): Promise<string | null> {
  const handled = handledEvent(delivery.event);
  if (!handled) return "event not handled";
  // undefined, never a parsed value: JSON has none, so a payload of `null` is still dispatched (and fails there)
  if (kept !== undefined) return handled.dispatch(deps, delivery, kept);
  // the store's copy: recorded before a restart, by another node, or past the memory's bound
  const text = await deps.store.readDeliveryPayload(delivery.id);
  // a SyntaxError gives up at once (see isTransient): parsing again will not help
  return text === null ? null : handled.dispatch(deps, delivery, JSON.parse(text) as unknown);
}

/** A 4xx from GitHub (other than rate limits) will not change by retrying; anything else may. */
function isTransient(error: unknown): boolean {
  if (error instanceof SyntaxError) return false;
  if (error instanceof RequestError) return error.status >= 500 || error.status === 429 || error.status === 403;
  return true;
}
