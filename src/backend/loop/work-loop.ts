import type { Logger } from "probot";
import { settleWithin } from "./settle-within.js";

/**
 * How long a claim holds unless renewed. The items in hand are renewed every third of it for as long as they
 * take (a GitHub write may wait long in the throttle), so a live node never loses one, while a node that dies
 * holding items delays them by at most this much. A lease is a time on the clock of the host that took it:
 * the hosts sharing a store must agree on the time within a few seconds (NTP).
 */
export const LEASE_MS = 15_000;
/**
 * An item is renewed at most this long: a handler hung longer (a request GitHub never answers) lets its lease
 * lapse, so that another node can do the work instead of the item being held for good.
 */
export const MAX_HOLD_MS = 15 * 60_000;

export interface WorkLoopOptions<T> {
  /** For log lines. */
  name: string;
  /** At most this many items in hand at once. */
  batch: number;
  /** Leases up to `free` items for `leaseMs` (from a store shared with other nodes). */
  claim: (free: number, leaseMs: number) => Promise<T[]>;
  /** Extends the leases of the items in hand (by key) to `leaseMs` from now; returns the keys still held. */
  renew: (keys: string[], leaseMs: number) => Promise<string[]>;
  key: (item: T) => string;
  /** Handles one item to its end; its own failures are its business (it must record them). */
  handle: (item: T) => Promise<void>;
  /** Orders a claimed batch before it is handled. */
  order?: (items: T[]) => T[];
  /** Default LEASE_MS; tests shorten it. */
  leaseMs?: number;
  /** Default MAX_HOLD_MS; tests shorten it. */
  maxHoldMs?: number;
  log: Logger;
}

interface InHand {
  done: Promise<void>;
  since: number;
  /** Its lease went to another node (this one stalled past it), or it was held too long: no longer renewed. */
  lost: boolean;
}

/**
 * Claims work from the store and handles it, `batch` items at a time: woken at once when there is news,
 * and by a timer for what others left or what comes due. The delivery pump and the check-run syncer are two.
 */
export class WorkLoop<T> {
  #state: {
    options: WorkLoopOptions<T>;
    leaseMs: number;
    maxHoldMs: number;
    inFlight: Map<string, InHand>;
    timer: NodeJS.Timeout | null;
    renewal: NodeJS.Timeout | null;
    renewing: boolean;
    scheduled: boolean;
    stopped: boolean;
  };

  constructor(options: WorkLoopOptions<T>) {
    const { leaseMs = LEASE_MS, maxHoldMs = MAX_HOLD_MS } = options;
    this.#state = { options, leaseMs, maxHoldMs, inFlight: new Map(), timer: null, renewal: null, renewing: false, scheduled: false, stopped: false };
  }

  start(pollMs = 1_000): void {
    this.#state.timer = setInterval(() => this.wake(), pollMs);
    this.#state.timer.unref();
    this.wake();
  }

  wake(): void {
    if (this.#state.scheduled || this.#state.stopped) return;
    this.#state.scheduled = true;
    setImmediate(() => {
      this.#state.scheduled = false;
      this.#fill().catch((error: unknown) => this.#state.options.log.error({ err: error }, `${this.#state.options.name} failed`));
    });
  }

  /**
   * Takes no more work and waits for the items in hand (whose leases are renewed meanwhile), at most `waitMs`:
   * items still in hand then are left to their leases (another node, or the next start, takes them again).
   */
  async stop(waitMs = Infinity): Promise<void> {
    this.#state.stopped = true;
    if (this.#state.timer) clearInterval(this.#state.timer);
    await settleWithin(this.#pending(), waitMs);
    // what is still in hand is given up: its leases must lapse for another node to take it
    this.#stopRenewing();
  }

  /** Handles what is due until nothing is left in hand, or `timeoutMs` passed. */
  async drain(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (!(await settleWithin(this.#pending(), end - Date.now()))) return;
      await this.#fill();
      if (this.#state.inFlight.size === 0) return;
    }
  }

  #pending(): Array<Promise<void>> {
    return [...this.#state.inFlight.values()].map((entry) => entry.done);
  }

  async #fill(): Promise<void> {
    const { options, inFlight, leaseMs } = this.#state;
    const free = options.batch - inFlight.size;
    if (free <= 0 || this.#state.stopped) return;
    const claimed = await options.claim(free, leaseMs);
    for (const item of options.order ? options.order(claimed) : claimed) {
      const key = options.key(item);
      if (inFlight.has(key)) continue;
      const done = options.handle(item).finally(() => {
        inFlight.delete(key);
        if (inFlight.size === 0) this.#stopRenewing();
        this.wake();
      });
      inFlight.set(key, { done, since: Date.now(), lost: false });
      this.#startRenewing();
    }
  }

  #startRenewing(): void {
    if (this.#state.renewal) return;
    this.#state.renewal = setInterval(() => void this.#renew(), this.#state.leaseMs / 3);
    this.#state.renewal.unref();
  }

  #stopRenewing(): void {
    if (this.#state.renewal) clearInterval(this.#state.renewal);
    this.#state.renewal = null;
  }

  async #renew(): Promise<void> {
    const { options, inFlight, leaseMs, maxHoldMs } = this.#state;
    for (const [key, entry] of inFlight) {
      if (entry.lost || Date.now() - entry.since < maxHoldMs) continue;
      entry.lost = true;
      options.log.warn({ item: key }, `${options.name}: ${key} has been in hand for ${maxHoldMs / 1000}s; letting its lease lapse so another node can take it`);
    }
    const entries = [...inFlight].filter(([, entry]) => !entry.lost);
    if (this.#state.renewing || entries.length === 0) return;
    this.#state.renewing = true;
    try {
      const held = new Set(await options.renew(entries.map(([key]) => key), leaseMs));
      for (const [key, entry] of entries) {
        // an item that finished meanwhile gave its lease up itself; only one still in hand can have lost it
        if (held.has(key) || inFlight.get(key) !== entry) continue;
        entry.lost = true;
        options.log.warn({ item: key }, `${options.name}: lost the lease on ${key} (this node stalled longer than ${leaseMs / 1000}s); another node may handle it too`);
      }
    } catch (error) {
      options.log.warn({ err: error }, `${options.name}: leases not renewed; trying again in ${leaseMs / 3000}s`);
    } finally {
      this.#state.renewing = false;
    }
  }
}
