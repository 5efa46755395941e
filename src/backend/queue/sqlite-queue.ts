import type { Db } from "../open-database.js";
import type { JobQueue, ProcessJob } from "./job-queue.js";

const POLL_MS = 250;

/** The embedded queue: rows in the same SQLite file as the runs, claimed by one process at a time. */
export class SqliteQueue implements JobQueue {
  #state: {
    db: Db;
    consumerId: string;
    process: ProcessJob | null;
    concurrency: number;
    inFlight: Map<string, Promise<void>>;
    timer: NodeJS.Timeout | null;
    stopped: boolean;
    onError: (error: unknown, runId: string) => void;
  };

  constructor(db: Db, options: { consumerId: string; onError: (error: unknown, runId: string) => void }) {
    this.#state = {
      db,
      consumerId: options.consumerId,
      process: null,
      concurrency: 0,
      inFlight: new Map(),
      timer: null,
      stopped: false,
      onError: options.onError,
    };
  }

  async enqueue(runId: string, options: { delayMs?: number } = {}): Promise<void> {
    const now = Date.now();
    this.#state.db
      .prepare("INSERT OR IGNORE INTO jobs (run_id, enqueued_at, available_at) VALUES (?, ?, ?)")
      .run(runId, now, now + (options.delayMs ?? 0));
    queueMicrotask(() => this.#fill());
  }

  consume(process: ProcessJob, concurrency: number): void {
    const state = this.#state;
    state.process = process;
    state.concurrency = concurrency;
    // one file, one consumer process: whatever was claimed before this start was lost with its process
    state.db.prepare("UPDATE jobs SET state = 'ready', claimed_by = NULL WHERE state = 'claimed'").run();
    state.timer = setInterval(() => this.#fill(), POLL_MS);
    state.timer.unref();
    this.#fill();
  }

  async stop(): Promise<void> {
    const state = this.#state;
    state.stopped = true;
    if (state.timer) clearInterval(state.timer);
    await Promise.allSettled(state.inFlight.values());
  }

  async close(): Promise<void> {
    // the database belongs to the store, which closes it
  }

  #fill(): void {
    const state = this.#state;
    while (!state.stopped && state.process && state.inFlight.size < state.concurrency) {
      const runId = this.#claim();
      if (runId === null) return;
      const done = state
        .process(runId)
        .then(
          (outcome) => {
            if (outcome) {
              state.db
                .prepare("UPDATE jobs SET state = 'ready', claimed_by = NULL, available_at = ? WHERE run_id = ?")
                .run(Date.now() + outcome.retryInMs, runId);
            } else {
              state.db.prepare("DELETE FROM jobs WHERE run_id = ?").run(runId);
            }
          },
          (error: unknown) => {
            state.db.prepare("DELETE FROM jobs WHERE run_id = ?").run(runId);
            state.onError(error, runId);
          },
        )
        .finally(() => {
          state.inFlight.delete(runId);
          if (state.process) setTimeout(() => this.#fill(), 0);
        });
      state.inFlight.set(runId, done);
    }
  }

  #claim(): string | null {
    const row = this.#state.db
      .prepare(
        `UPDATE jobs SET state = 'claimed', claimed_by = ?, claimed_at = ?
         WHERE run_id = (SELECT run_id FROM jobs WHERE state = 'ready' AND available_at <= ? ORDER BY enqueued_at, rowid LIMIT 1)
         RETURNING run_id`,
      )
      .get(this.#state.consumerId, Date.now(), Date.now()) as { run_id: string } | undefined;
    return row?.run_id ?? null;
  }
}
