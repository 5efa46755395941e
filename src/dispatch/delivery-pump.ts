import { hostname } from "node:os";
import { RequestError } from "@octokit/request-error";
import type { Delivery } from "../storage/store.js";
import { dispatchCheckEvent } from "./dispatch-check-event.js";
import type { DispatchDeps } from "./dispatch-deps.js";
import { dispatchPush } from "./dispatch-push.js";

const BATCH = 8;
const LEASE_MS = 5 * 60_000;
const RETRY_DELAYS_MS = [2_000, 10_000, 60_000, 5 * 60_000, 30 * 60_000];

/**
 * Turns recorded deliveries into runs, after the webhook was answered. Deliveries recorded before a crash
 * are picked up at the next start; a GitHub outage delays a delivery instead of losing it. Several nodes may
 * pump one store: each delivery is leased to one of them.
 */
export class DeliveryPump {
  #state: {
    deps: DispatchDeps;
    owner: string;
    inFlight: Map<string, Promise<void>>;
    timer: NodeJS.Timeout | null;
    scheduled: boolean;
    stopped: boolean;
  };

  constructor(deps: DispatchDeps) {
    this.#state = { deps, owner: `${hostname()}:${process.pid}`, inFlight: new Map(), timer: null, scheduled: false, stopped: false };
  }

  start(pollMs = 1_000): void {
    this.#state.timer = setInterval(() => this.wake(), pollMs);
    this.#state.timer.unref();
    this.wake();
  }

  /** Called by the webhook handler after recording: dispatch without waiting for the next poll. */
  wake(): void {
    if (this.#state.scheduled || this.#state.stopped) return;
    this.#state.scheduled = true;
    setImmediate(() => {
      this.#state.scheduled = false;
      this.#fill().catch((error: unknown) => this.#state.deps.log.error({ err: error }, "delivery pump failed"));
    });
  }

  async stop(): Promise<void> {
    this.#state.stopped = true;
    if (this.#state.timer) clearInterval(this.#state.timer);
    await Promise.allSettled(this.#state.inFlight.values());
  }

  async #fill(): Promise<void> {
    const state = this.#state;
    const free = BATCH - state.inFlight.size;
    if (free <= 0 || state.stopped) return;
    for (const delivery of await state.deps.store.claimDeliveries(state.owner, Date.now(), free, LEASE_MS)) {
      const done = this.#dispatch(delivery).finally(() => {
        state.inFlight.delete(delivery.id);
        this.wake();
      });
      state.inFlight.set(delivery.id, done);
    }
  }

  async #dispatch(delivery: Delivery): Promise<void> {
    const { store, log } = this.#state.deps;
    const logger = log.child({ delivery: delivery.id, event: delivery.event });
    try {
      const outcome =
        delivery.event === "push"
          ? await dispatchPush(this.#state.deps, delivery)
          : delivery.event === "check_run" || delivery.event === "check_suite"
            ? await dispatchCheckEvent(this.#state.deps, delivery)
            : "event not handled";
      logger.info(`dispatched: ${outcome}`);
      await store.finishDelivery(delivery.id, {});
    } catch (error) {
      const delay = RETRY_DELAYS_MS[delivery.attempts];
      const message = describe(error);
      if (delay === undefined || !isTransient(error)) {
        logger.error(`dispatch failed, giving up: ${message}`);
        await store.finishDelivery(delivery.id, { error: message });
      } else {
        logger.warn(`dispatch failed, retrying in ${delay / 1000}s: ${message}`);
        await store.retryDeliveryLater(delivery.id, Date.now() + delay, message);
      }
    }
  }
}

/** A 4xx from GitHub (other than rate limits) will not change by retrying; anything else may. */
function isTransient(error: unknown): boolean {
  if (error instanceof SyntaxError) return false;
  if (error instanceof RequestError) return error.status >= 500 || error.status === 429 || error.status === 403;
  return true;
}

function describe(error: unknown): string {
  if (error instanceof RequestError) return `GitHub answered ${error.status} to ${error.request.method} ${new URL(error.request.url).pathname}`;
  return error instanceof Error ? error.message : String(error);
}
