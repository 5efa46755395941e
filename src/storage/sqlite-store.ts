import type { Db } from "./open-database.js";
import type { RunRecord, RunResult, RunState } from "./run-types.js";
import type { Delivery, Store } from "./store.js";

interface RunRow {
  id: string;
  delivery_id: string;
  pipeline: string;
  push: string;
  state: RunState;
  check_run_id: number | null;
  result: string | null;
  created_at: number;
  started_at: number | null;
  completed_at: number | null;
}

/** The embedded store: better-sqlite3 is synchronous, so each method is one short transaction. */
export class SqliteStore implements Store {
  #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async recordDelivery(delivery: Omit<Delivery, "attempts">): Promise<boolean> {
    const info = this.#db
      .prepare("INSERT OR IGNORE INTO deliveries (id, event, payload, received_at) VALUES (?, ?, ?, ?)")
      .run(delivery.id, delivery.event, delivery.payload, delivery.receivedAt);
    return info.changes === 1;
  }

  async pendingDeliveries(now: number, limit: number): Promise<Delivery[]> {
    return this.#db
      .prepare(
        `SELECT id, event, payload, received_at AS receivedAt, attempts FROM deliveries
         WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY received_at, rowid LIMIT ?`,
      )
      .all(now, limit) as Delivery[];
  }

  async finishDelivery(id: string, outcome: { error?: string }): Promise<void> {
    // the payload is dropped once dispatched: the runs carry what they need
    this.#db
      .prepare("UPDATE deliveries SET state = ?, error = ?, payload = '' WHERE id = ?")
      .run(outcome.error === undefined ? "done" : "failed", outcome.error ?? null, id);
  }

  async retryDeliveryLater(id: string, at: number, error: string): Promise<void> {
    this.#db
      .prepare("UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = ?, error = ? WHERE id = ?")
      .run(at, error, id);
  }

  async countPendingDeliveries(): Promise<number> {
    const row = this.#db.prepare("SELECT count(*) AS n FROM deliveries WHERE state = 'pending'").get() as { n: number };
    return row.n;
  }

  async claimPush(key: string, deliveryId: string, now: number, windowMs: number): Promise<boolean> {
    const claim = this.#db.transaction(() => {
      const row = this.#db.prepare("SELECT delivery_id, claimed_at FROM pushes WHERE key = ?").get(key) as
        | { delivery_id: string; claimed_at: number }
        | undefined;
      // the same delivery may be dispatched again after a crash: its own claim still holds
      if (row && (row.delivery_id === deliveryId || now - row.claimed_at < windowMs)) {
        return row.delivery_id === deliveryId;
      }
      this.#db
        .prepare("INSERT OR REPLACE INTO pushes (key, delivery_id, claimed_at) VALUES (?, ?, ?)")
        .run(key, deliveryId, now);
      return true;
    });
    return claim.immediate();
  }

  async addRuns(runs: RunRecord[]): Promise<RunRecord[]> {
    const insert = this.#db.prepare(
      `INSERT OR IGNORE INTO runs (id, delivery_id, pipeline_name, pipeline, push, state, check_run_id, result, created_at, started_at, completed_at)
       VALUES (@id, @delivery_id, @pipeline_name, @pipeline, @push, @state, @check_run_id, @result, @created_at, @started_at, @completed_at)`,
    );
    const deliveryIds = new Set(runs.map((run) => run.deliveryId));
    return this.#db.transaction(() => {
      for (const run of runs) insert.run({ ...toRow(run), pipeline_name: run.pipeline.name });
      return [...deliveryIds].flatMap((id) => this.#runsOfDelivery(id));
    })();
  }

  async getRun(id: string): Promise<RunRecord | null> {
    const row = this.#db.prepare("SELECT * FROM runs WHERE id = ?").get(id) as RunRow | undefined;
    return row ? fromRow(row) : null;
  }

  async runsOfDelivery(deliveryId: string): Promise<RunRecord[]> {
    return this.#runsOfDelivery(deliveryId);
  }

  async runsInState(state: RunState): Promise<RunRecord[]> {
    const rows = this.#db.prepare("SELECT * FROM runs WHERE state = ? ORDER BY created_at, rowid").all(state) as RunRow[];
    return rows.map(fromRow);
  }

  async setCheckRunId(id: string, checkRunId: number): Promise<void> {
    this.#db.prepare("UPDATE runs SET check_run_id = ? WHERE id = ?").run(checkRunId, id);
  }

  async transitionRun(
    id: string,
    from: RunState[],
    to: RunState,
    fields: { result?: RunResult; at?: number } = {},
  ): Promise<boolean> {
    const at = fields.at ?? Date.now();
    const placeholders = from.map(() => "?").join(", ");
    const info = this.#db
      .prepare(
        `UPDATE runs SET state = ?,
           result = coalesce(?, result),
           started_at = CASE WHEN ? = 'running' THEN ? ELSE started_at END,
           completed_at = CASE WHEN ? = 'completed' THEN ? ELSE completed_at END
         WHERE id = ? AND state IN (${placeholders})`,
      )
      .run(to, fields.result ? JSON.stringify(fields.result) : null, to, at, to, at, id, ...from);
    return info.changes === 1;
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  #runsOfDelivery(deliveryId: string): RunRecord[] {
    const rows = this.#db
      .prepare("SELECT * FROM runs WHERE delivery_id = ? ORDER BY rowid")
      .all(deliveryId) as RunRow[];
    return rows.map(fromRow);
  }
}

function toRow(run: RunRecord): Omit<RunRow, never> {
  return {
    id: run.id,
    delivery_id: run.deliveryId,
    pipeline: JSON.stringify(run.pipeline),
    push: JSON.stringify(run.push),
    state: run.state,
    check_run_id: run.checkRunId,
    result: run.result ? JSON.stringify(run.result) : null,
    created_at: run.createdAt,
    started_at: run.startedAt,
    completed_at: run.completedAt,
  };
}

function fromRow(row: RunRow): RunRecord {
  return {
    id: row.id,
    deliveryId: row.delivery_id,
    pipeline: JSON.parse(row.pipeline),
    push: JSON.parse(row.push),
    state: row.state,
    checkRunId: row.check_run_id,
    result: row.result ? JSON.parse(row.result) : null,
    createdAt: row.created_at,
    startedAt: row.started_at,
    completedAt: row.completed_at,
  };
}
