import { open, type FileHandle } from "node:fs/promises";
import type { Statement } from "better-sqlite3";
import type { Db } from "../open-database.js";
import type { RunPatch, RunRecord, RunState } from "../../runs/run-types.js";
import type { ClaimedDelivery, Delivery, FinishedDelivery, RemovedRecords, RunFilter, Store } from "./store.js";

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
  attempt: number;
  node_id: string | null;
  pid: number | null;
  cancel_requested: string | null;
  progress: string;
  create_requested_at: number | null;
  version: number;
  synced_version: number;
  annotations_sent: number;
  waiting: string | null;
}

const PATCH_COLUMNS: Record<keyof RunPatch, string> = {
  state: "state",
  result: "result",
  startedAt: "started_at",
  completedAt: "completed_at",
  attempt: "attempt",
  nodeId: "node_id",
  pid: "pid",
  cancelRequested: "cancel_requested",
  progress: "progress",
  checkRunId: "check_run_id",
  createRequestedAt: "create_requested_at",
  annotationsSent: "annotations_sent",
  waiting: "waiting",
};
const JSON_FIELDS = new Set<keyof RunPatch>(["result", "progress"]);

interface PendingDelivery {
  delivery: Omit<Delivery, "attempts">;
  resolve: (recorded: boolean) => void;
  reject: (error: unknown) => void;
}

/** Committed, waiting for the WAL to reach the disk. */
interface UnsyncedDelivery extends PendingDelivery {
  recorded: boolean;
}

/** What the store fsyncs the WAL through: the file, opened once (tests hand in one that fails). */
export type WalFile = Pick<FileHandle, "sync" | "close">;

export interface SqliteStoreOptions {
  openWal?: (path: string) => Promise<WalFile>;
}

/** The embedded store: better-sqlite3 is synchronous, so each method is one short transaction. */
export class SqliteStore implements Store {
  #db: Db;
  #openWal: (path: string) => Promise<WalFile>;
  /**
   * Opened at the first sync and kept: an open and a close per group commit were two more trips through the
   * thread pool. SQLite only truncates or rewrites the WAL while a connection is open, never replaces it, and
   * fsync flushes a file's pages whichever descriptor wrote them.
   */
  #wal: Promise<WalFile> | null = null;
  #pending: PendingDelivery[] = [];
  #unsynced: UnsyncedDelivery[] = [];
  #syncing: Promise<void> | null = null;
  /** Set once a sync of the WAL failed: what it held may never reach the disk, so nothing more is acknowledged. */
  #syncFailure: Error | null = null;
  #statements = new Map<string, Statement>();

  constructor(db: Db, options: SqliteStoreOptions = {}) {
    this.#db = db;
    this.#openWal = options.openWal ?? ((path) => open(path, "r"));
  }

  /** Statements are compiled once per store, not once per call. */
  #prepare(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Resolves only once the delivery is on disk, as `synchronous = FULL` would: the deliveries of a tick are
   * committed in one transaction, then the WAL is fsynced off the event loop (libuv's thread pool), the
   * commit itself not waiting for the disk. So requests are parsed, verified and answered during the fsync,
   * and the deliveries arriving meanwhile share the next one: a burst pays one fsync per round trip to the
   * disk, not one per delivery, and none is acknowledged before it is durable.
   */
  recordDelivery(delivery: Omit<Delivery, "attempts">): Promise<boolean> {
    return new Promise((resolve, reject) => {
      if (this.#syncFailure) return reject(this.#syncFailure);
      if (this.#pending.push({ delivery, resolve, reject }) === 1) setImmediate(() => this.#commitDeliveries());
    });
  }

  #commitDeliveries(): void {
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    let recorded: boolean[];
    try {
      const insert = this.#prepare("INSERT OR IGNORE INTO deliveries (id, event, payload, received_at) VALUES (?, ?, ?, ?)");
      // synchronous = NORMAL (the connection's): the frames are written to the WAL, the fsync is #syncDeliveries'
      recorded = this.#db.transaction(() => batch.map(({ delivery: d }) => insert.run(d.id, d.event, d.payload, d.receivedAt).changes === 1))();
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    batch.forEach((pending, i) => this.#unsynced.push({ ...pending, recorded: recorded[i]! }));
    this.#syncDeliveries();
  }

  /** One fsync in flight at a time: the commits made during it wait for the next, which covers them all. */
  #syncDeliveries(): void {
    if (this.#syncing || this.#unsynced.length === 0) return;
    const waiting = this.#unsynced;
    this.#unsynced = [];
    if (this.#syncFailure) {
      for (const unsynced of waiting) unsynced.reject(this.#syncFailure);
      return;
    }
    // the sync synchronous = FULL would make at commit, made off the event loop for all of them
    this.#wal ??= this.#openWal(`${this.#db.name}-wal`);
    this.#syncing = this.#wal.then((wal) => wal.sync()).then(
      () => {
        for (const unsynced of waiting) unsynced.resolve(unsynced.recorded);
      },
      (error: unknown) => {
        // after a failed fsync the kernel may have dropped those pages while SQLite still shows the rows: a
        // redelivery would be answered "duplicate" for a delivery that is not on disk, so every record fails
        this.#syncFailure = new Error(`gantry: the data directory's disk failed to sync ${this.#db.name}-wal (${String(error)}); deliveries are refused until gantry is restarted`);
        for (const unsynced of waiting) unsynced.reject(this.#syncFailure);
      },
    ).finally(() => {
      this.#syncing = null;
      this.#syncDeliveries();
    });
  }

  async hasDelivery(id: string): Promise<boolean> {
    return this.#prepare("SELECT 1 FROM deliveries WHERE id = ?").get(id) !== undefined;
  }

  async claimDeliveries(owner: string, now: number, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    return this.#db.transaction(() => {
      const rows = this
        .#prepare(
          `SELECT id, event, received_at AS receivedAt, attempts FROM deliveries d
           WHERE state = 'pending' AND next_attempt_at <= ?
             AND NOT EXISTS (SELECT 1 FROM delivery_leases l WHERE l.id = d.id AND l.until > ?)
           ORDER BY received_at, d.rowid LIMIT ?`,
        )
        .all(now, now, limit) as ClaimedDelivery[];
      const lease = this.#prepare("INSERT OR REPLACE INTO delivery_leases (id, owner, until) VALUES (?, ?, ?)");
      for (const row of rows) lease.run(row.id, owner, now + leaseMs);
      return rows;
    }).immediate();
  }

  async readDeliveryPayload(id: string): Promise<string | null> {
    const row = this.#prepare("SELECT payload FROM deliveries WHERE id = ?").get(id) as { payload: string } | undefined;
    // a finished delivery's payload is '' (never a recorded one: it was valid JSON)
    return row === undefined || row.payload === "" ? null : row.payload;
  }

  async renewDeliveryLeases(owner: string, ids: string[], now: number, leaseMs: number): Promise<string[]> {
    return this.#renew(
      "UPDATE delivery_leases SET until = ? WHERE id = ? AND owner = ? AND id IN (SELECT id FROM deliveries WHERE state = 'pending')",
      owner,
      ids,
      now + leaseMs,
    );
  }

  async finishDeliveries(finished: FinishedDelivery[]): Promise<void> {
    if (finished.length === 0) return;
    // the payload is dropped once dispatched: the runs carry what they need
    const finish = this.#prepare("UPDATE deliveries SET state = ?, error = ?, payload = '' WHERE id = ?");
    const release = this.#prepare("DELETE FROM delivery_leases WHERE id = ?");
    this.#db.transaction(() => {
      for (const { id, error } of finished) {
        finish.run(error === undefined ? "done" : "failed", error ?? null, id);
        release.run(id);
      }
    })();
  }

  async retryDeliveryLater(id: string, at: number, error: string): Promise<void> {
    const retry = this.#prepare("UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = ?, error = ? WHERE id = ?");
    const release = this.#prepare("DELETE FROM delivery_leases WHERE id = ?");
    this.#db.transaction(() => {
      retry.run(at, error, id);
      release.run(id);
    })();
  }

  async countPendingDeliveries(): Promise<number> {
    const row = this.#prepare("SELECT count(*) AS n FROM deliveries WHERE state = 'pending'").get() as { n: number };
    return row.n;
  }

  async claimPush(key: string, deliveryId: string, now: number, windowMs: number): Promise<boolean> {
    return this.#db.transaction(() => {
      const row = this.#prepare("SELECT delivery_id, claimed_at FROM pushes WHERE key = ?").get(key) as
        | { delivery_id: string; claimed_at: number }
        | undefined;
      // the same delivery may be dispatched again after a crash: its own claim still holds
      if (row && (row.delivery_id === deliveryId || now - row.claimed_at < windowMs)) {
        return row.delivery_id === deliveryId;
      }
      this.#prepare("INSERT OR REPLACE INTO pushes (key, delivery_id, claimed_at) VALUES (?, ?, ?)").run(key, deliveryId, now);
      return true;
    }).immediate();
  }

  async addRuns(runs: RunRecord[]): Promise<RunRecord[]> {
    const insert = this.#prepare(
      `INSERT OR IGNORE INTO runs (id, delivery_id, pipeline_name, pipeline, push, state, check_run_id, result, owner, repo, sha, ref,
         created_at, started_at, completed_at, attempt, node_id, pid, cancel_requested, progress, create_requested_at, version, synced_version, annotations_sent, waiting)
       VALUES (@id, @delivery_id, @pipeline_name, @pipeline, @push, @state, @check_run_id, @result, @owner, @repo, @sha, @ref,
         @created_at, @started_at, @completed_at, @attempt, @node_id, @pid, @cancel_requested, @progress, @create_requested_at, @version, @synced_version, @annotations_sent, @waiting)`,
    );
    const deliveryIds = new Set(runs.map((run) => run.deliveryId));
    return this.#db.transaction(() => {
      for (const run of runs) insert.run(toRow(run));
      return [...deliveryIds].flatMap((id) => this.#select("WHERE delivery_id = ? ORDER BY rowid", id));
    })();
  }

  async getRun(id: string): Promise<RunRecord | null> {
    return this.#select("WHERE id = ?", id)[0] ?? null;
  }

  async runsOfDelivery(deliveryId: string): Promise<RunRecord[]> {
    return this.#select("WHERE delivery_id = ? ORDER BY rowid", deliveryId);
  }

  async findRuns(filter: RunFilter): Promise<RunRecord[]> {
    const where = ["owner = ?", "repo = ?"];
    const values: unknown[] = [filter.owner, filter.repo];
    if (filter.sha !== undefined) (where.push("sha = ?"), values.push(filter.sha));
    if (filter.ref !== undefined) (where.push("ref = ?"), values.push(filter.ref));
    if (filter.pipeline !== undefined) (where.push("pipeline_name = ?"), values.push(filter.pipeline));
    if (filter.states) (where.push(`state IN (${filter.states.map(() => "?").join(", ")})`), values.push(...filter.states));
    return this.#select(`WHERE ${where.join(" AND ")} ORDER BY created_at, rowid`, ...values);
  }

  async runsInState(state: RunState): Promise<RunRecord[]> {
    return this.#select("WHERE state = ? ORDER BY created_at, rowid", state);
  }

  async updateRun(id: string, from: RunState[], patch: RunPatch, options: { report?: boolean } = {}): Promise<RunRecord | null> {
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [key, value] of Object.entries(patch) as Array<[keyof RunPatch, unknown]>) {
      if (value === undefined) continue;
      sets.push(`${PATCH_COLUMNS[key]} = ?`);
      values.push(JSON_FIELDS.has(key) && value !== null ? JSON.stringify(value) : value);
    }
    if (options.report !== false) sets.push("version = version + 1");
    if (sets.length === 0) return this.getRun(id);
    const guard = from.length > 0 ? ` AND state IN (${from.map(() => "?").join(", ")})` : "";
    return this.#db.transaction(() => {
      const info = this.#prepare(`UPDATE runs SET ${sets.join(", ")} WHERE id = ?${guard}`).run(...values, id, ...from);
      return info.changes === 1 ? (this.#select("WHERE id = ?", id)[0] ?? null) : null;
    })();
  }

  async claimUnsynced(owner: string, now: number, limit: number, leaseMs: number): Promise<RunRecord[]> {
    return this.#db.transaction(() => {
      const runs = this.#select(
        `WHERE synced_version < version AND sync_lease_until <= ? AND (state = 'completed' OR sync_not_before <= ?)
         ORDER BY check_run_id IS NOT NULL, created_at, rowid LIMIT ?`,
        now,
        now,
        limit,
      );
      const lease = this.#prepare("UPDATE runs SET sync_lease_owner = ?, sync_lease_until = ? WHERE id = ?");
      for (const run of runs) lease.run(owner, now + leaseMs, run.id);
      return runs;
    }).immediate();
  }

  async renewSyncLeases(owner: string, ids: string[], now: number, leaseMs: number): Promise<string[]> {
    return this.#renew("UPDATE runs SET sync_lease_until = ? WHERE id = ? AND sync_lease_owner = ?", owner, ids, now + leaseMs);
  }

  /** Runs `update` (until, id, owner) for each id in one transaction; returns the ids it changed. */
  #renew(update: string, owner: string, ids: string[], until: number): string[] {
    const statement = this.#prepare(update);
    return this.#db.transaction(() => ids.filter((id) => statement.run(until, id, owner).changes === 1))();
  }

  async markSynced(id: string, version: number, options: { checkRunId?: number; notBefore: number }): Promise<void> {
    this
      .#prepare(
        `UPDATE runs SET synced_version = max(synced_version, ?), check_run_id = coalesce(?, check_run_id),
           sync_not_before = ?, sync_lease_owner = NULL, sync_lease_until = 0 WHERE id = ?`,
      )
      .run(version, options.checkRunId ?? null, options.notBefore, id);
  }

  async syncFailed(id: string, retryAt: number): Promise<void> {
    this
      .#prepare("UPDATE runs SET sync_not_before = ?, sync_lease_owner = NULL, sync_lease_until = ? WHERE id = ?")
      .run(retryAt, retryAt, id);
  }

  async acquireLock(name: string, owner: string, now: number, leaseMs: number): Promise<boolean> {
    return this.#db.transaction(() => {
      const row = this.#prepare("SELECT owner, until FROM locks WHERE name = ?").get(name) as { owner: string; until: number } | undefined;
      if (row && row.owner !== owner && row.until > now) return false;
      this.#prepare("INSERT OR REPLACE INTO locks (name, owner, until) VALUES (?, ?, ?)").run(name, owner, now + leaseMs);
      return true;
    }).immediate();
  }

  async releaseLock(name: string, owner: string): Promise<void> {
    this.#prepare("DELETE FROM locks WHERE name = ? AND owner = ?").run(name, owner);
  }

  async removeOldRecords(before: number, limit: number): Promise<RemovedRecords> {
    return this.#db.transaction(() => {
      const deliveries = this
        .#prepare(
          `DELETE FROM deliveries WHERE rowid IN (SELECT rowid FROM deliveries
             WHERE state IN ('done', 'failed') AND received_at < ? ORDER BY received_at LIMIT ?)`,
        )
        .run(before, limit).changes;
      const pushes = this
        .#prepare("DELETE FROM pushes WHERE rowid IN (SELECT rowid FROM pushes WHERE claimed_at < ? LIMIT ?)")
        .run(before, limit).changes;
      const runIds = (
        this
          .#prepare(
            `SELECT id FROM runs r WHERE state = 'completed' AND completed_at < ?
               AND NOT EXISTS (SELECT 1 FROM runs o WHERE o.delivery_id = r.delivery_id AND o.state != 'completed')
             ORDER BY completed_at LIMIT ?`,
          )
          .all(before, limit) as Array<{ id: string }>
      ).map((row) => row.id);
      const remove = this.#prepare("DELETE FROM runs WHERE id = ?");
      for (const id of runIds) remove.run(id);
      // the query picks only removable rows, so a step short of the limit saw everything there was
      const more = deliveries === limit || pushes === limit || runIds.length === limit;
      return { deliveries, runIds, cursor: more ? 0 : null };
    }).immediate();
  }

  async getMeta(key: string): Promise<string | null> {
    const row = this.#prepare("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined;
    return row?.value ?? null;
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.#prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)").run(key, value);
  }

  async close(): Promise<void> {
    // the deliveries still waiting are committed and synced first: their senders are answered, not refused
    if (this.#db.open) this.#commitDeliveries();
    while (this.#syncing) await this.#syncing;
    const wal = this.#wal;
    this.#wal = null;
    await wal?.then((file) => file.close()).catch(() => {});
    if (this.#db.open) this.#db.close();
  }

  #select(clause: string, ...values: unknown[]): RunRecord[] {
    return (this.#prepare(`SELECT * FROM runs ${clause}`).all(...values) as RunRow[]).map(fromRow);
  }
}

function toRow(run: RunRecord) {
  return {
    id: run.id,
    delivery_id: run.deliveryId,
    pipeline_name: run.pipeline.name,
    pipeline: JSON.stringify(run.pipeline),
    push: JSON.stringify(run.push),
    state: run.state,
    check_run_id: run.checkRunId,
    result: run.result ? JSON.stringify(run.result) : null,
    owner: run.push.owner,
    repo: run.push.repo,
    sha: run.push.sha,
    ref: run.push.ref,
    created_at: run.createdAt,
    started_at: run.startedAt,
    completed_at: run.completedAt,
    attempt: run.attempt,
    node_id: run.nodeId,
    pid: run.pid,
    cancel_requested: run.cancelRequested,
    progress: JSON.stringify(run.progress),
    create_requested_at: run.createRequestedAt,
    version: run.version,
    synced_version: run.syncedVersion,
    annotations_sent: run.annotationsSent,
    waiting: run.waiting ?? null,
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
    attempt: row.attempt,
    nodeId: row.node_id,
    pid: row.pid,
    cancelRequested: row.cancel_requested,
    progress: JSON.parse(row.progress),
    createRequestedAt: row.create_requested_at,
    version: row.version,
    syncedVersion: row.synced_version,
    annotationsSent: row.annotations_sent,
    ...(row.waiting !== null ? { waiting: row.waiting } : {}),
  };
}
