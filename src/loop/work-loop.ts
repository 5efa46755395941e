import type { Logger } from "probot";
import { settleWithin } from "./settle-within.js";

export interface WorkLoopOptions<T> {
  /** For log lines. */
  name: string;
  /** At most this many items in hand at once. */
  batch: number;
  /** Leases up to `free` items (from a store shared with other nodes). */
  claim: (free: number) => Promise<T[]>;
  key: (item: T) => string;
  /** Handles one item to its end; its own failures are its business (it must record them). */
  handle: (item: T) => Promise<void>;
  /** Orders a claimed batch before it is handled. */
  order?: (items: T[]) => T[];
  log: Logger;
}

/**
 * Claims work from the store and handles it, `batch` items at a time: woken at once when there is news,
 * and by a timer for what others left or what comes due. The delivery pump and the check-run syncer are two.
 */
export class WorkLoop<T> {
  #state: {
    options: WorkLoopOptions<T>;
    inFlight: Map<string, Promise<void>>;
    timer: NodeJS.Timeout | null;
    scheduled: boolean;
    stopped: boolean;
  };

  constructor(options: WorkLoopOptions<T>) {
    this.#state = { options, inFlight: new Map(), timer: null, scheduled: false, stopped: false };
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
   * Takes no more work and waits for the items in hand, at most `waitMs`: items still in hand then are left
   * to their leases (another node, or the next start, takes them again).
   */
  async stop(waitMs = Infinity): Promise<void> {
    this.#state.stopped = true;
    if (this.#state.timer) clearInterval(this.#state.timer);
    await settleWithin(this.#state.inFlight.values(), waitMs);
  }

  /** Handles what is due until nothing is left in hand, or `timeoutMs` passed. */
  async drain(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (!(await settleWithin(this.#state.inFlight.values(), end - Date.now()))) return;
      await this.#fill();
      if (this.#state.inFlight.size === 0) return;
    }
  }

  async #fill(): Promise<void> {
    const { options, inFlight } = this.#state;
    const free = options.batch - inFlight.size;
    if (free <= 0 || this.#state.stopped) return;
    const claimed = await options.claim(free);
    for (const item of options.order ? options.order(claimed) : claimed) {
      const key = options.key(item);
      if (inFlight.has(key)) continue;
      const done = options.handle(item).finally(() => {
        inFlight.delete(key);
        this.wake();
      });
      inFlight.set(key, done);
    }
  }
}
