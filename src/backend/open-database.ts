import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

export type Db = Database.Database;

/** One SQLite file holds deliveries, runs and the embedded queue, so one transaction can span them. */
export function openDatabase(dataDir: string): Db {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, "gantry.db"));
  try {
    prepare(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

function prepare(db: Db): void {
  db.pragma("busy_timeout = 5000");
  db.pragma("journal_mode = WAL");
  // NORMAL: in WAL mode a commit survives a process crash; a power cut may lose a suffix of the latest
  // commits, never one in the middle. Recording a delivery syncs in full (see SqliteStore), so what was
  // acknowledged survives, and anything after it is redone from that record.
  db.pragma("synchronous = NORMAL");
  db.exec(SCHEMA);
  addColumns(db);
}

/** Columns added after the first release: CREATE TABLE IF NOT EXISTS leaves an older database without them. */
const ADDED_COLUMNS = [
  { table: "runs", column: "annotations_sent", definition: "INTEGER NOT NULL DEFAULT 0" },
  { table: "runs", column: "waiting", definition: "TEXT" },
] as const;

function addColumns(db: Db): void {
  // in one write transaction, so two processes opening an older database do not both add a column
  db.transaction(() => {
    for (const { table, column, definition } of ADDED_COLUMNS) {
      const columns = db.pragma(`table_info(${table})`) as Array<{ name: string }>;
      if (!columns.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
    }
  }).immediate();
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS deliveries (
  id TEXT PRIMARY KEY,
  event TEXT NOT NULL,
  payload TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  -- unused since the leases moved to delivery_leases; kept so older databases need no migration
  lease_owner TEXT,
  lease_until INTEGER NOT NULL DEFAULT 0,
  error TEXT
);
-- claims read pending deliveries oldest first: ordered by the index, not sorted with their payloads
CREATE INDEX IF NOT EXISTS deliveries_pending_by_time ON deliveries (state, received_at);
-- a lease in the delivery's own row would rewrite the row, payload and all, at every claim and renewal
CREATE TABLE IF NOT EXISTS delivery_leases (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  until INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pushes (
  key TEXT PRIMARY KEY,
  delivery_id TEXT NOT NULL,
  claimed_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS pushes_by_time ON pushes (claimed_at);
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY,
  delivery_id TEXT NOT NULL,
  pipeline_name TEXT NOT NULL,
  pipeline TEXT NOT NULL,
  push TEXT NOT NULL,
  state TEXT NOT NULL,
  check_run_id INTEGER,
  result TEXT,
  owner TEXT NOT NULL,
  repo TEXT NOT NULL,
  sha TEXT NOT NULL,
  ref TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  completed_at INTEGER,
  attempt INTEGER NOT NULL DEFAULT 0,
  node_id TEXT,
  pid INTEGER,
  cancel_requested TEXT,
  progress TEXT NOT NULL DEFAULT '[]',
  create_requested_at INTEGER,
  version INTEGER NOT NULL DEFAULT 1,
  synced_version INTEGER NOT NULL DEFAULT 0,
  annotations_sent INTEGER NOT NULL DEFAULT 0,
  waiting TEXT,
  sync_not_before INTEGER NOT NULL DEFAULT 0,
  sync_lease_owner TEXT,
  sync_lease_until INTEGER NOT NULL DEFAULT 0,
  UNIQUE (delivery_id, pipeline_name)
);
CREATE INDEX IF NOT EXISTS runs_state ON runs (state);
CREATE INDEX IF NOT EXISTS runs_repo ON runs (owner, repo, sha);
-- the retention sweep reads completed runs oldest completion first
CREATE INDEX IF NOT EXISTS runs_completed ON runs (state, completed_at);
CREATE INDEX IF NOT EXISTS runs_delivery_state ON runs (delivery_id, state);
CREATE INDEX IF NOT EXISTS runs_unsynced ON runs (synced_version, version) WHERE synced_version < version;
CREATE TABLE IF NOT EXISTS locks (
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  until INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
  run_id TEXT PRIMARY KEY,
  state TEXT NOT NULL DEFAULT 'ready',
  enqueued_at INTEGER NOT NULL,
  available_at INTEGER NOT NULL DEFAULT 0,
  claimed_by TEXT,
  claimed_at INTEGER
);
CREATE INDEX IF NOT EXISTS jobs_ready ON jobs (state, enqueued_at);
`;
