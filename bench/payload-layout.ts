import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Where a delivery's payload should live in SQLite, measured alone (issue #11's ingestion): in the delivery's row,
 * as the store keeps it, or in a table of its own, so that a finish deletes a row instead of rewriting the
 * delivery's and the claim's columns do not sit after the payload (SQLite reaches those through the overflow
 * pages). The delivery pump's pattern: 8 deliveries inserted in one transaction, claimed, finished.
 *
 * Run: `npm run bench -- --only ingest` compiles the bench; then
 * `node node_modules/.cache/gantry-bench/bench/payload-layout.js [deliveries] [payload bytes]`.
 */
const DELIVERIES = Number(process.argv[2] ?? 20_000);
const PAYLOAD_BYTES = Number(process.argv[3] ?? 7_600);
const BATCH = 8;

type Layout = "in the row" | "own table";

function measure(layout: Layout, file: string): Record<"insert" | "claim" | "finish", number> {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  // the store's schema (src/backend/open-database.ts), the columns the pump uses
  db.exec(`CREATE TABLE deliveries (id TEXT PRIMARY KEY, event TEXT NOT NULL, payload TEXT NOT NULL, received_at INTEGER NOT NULL,
             state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL DEFAULT 0, error TEXT);
           CREATE INDEX deliveries_pending_by_time ON deliveries (state, received_at);
           CREATE TABLE payloads (id TEXT PRIMARY KEY, payload TEXT NOT NULL);`);
  const own = layout === "own table";
  const insert = db.prepare("INSERT INTO deliveries (id, event, payload, received_at) VALUES (?, ?, ?, ?)");
  const insertPayload = db.prepare("INSERT INTO payloads (id, payload) VALUES (?, ?)");
  const claim = db.prepare("SELECT id, event, received_at, attempts FROM deliveries WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY received_at, rowid LIMIT ?");
  const finish = db.prepare(`UPDATE deliveries SET state = 'done', error = NULL${own ? "" : ", payload = ''"} WHERE id = ?`);
  const dropPayload = db.prepare("DELETE FROM payloads WHERE id = ?");
  const payload = "x".repeat(PAYLOAD_BYTES);
  const ns = { insert: 0n, claim: 0n, finish: 0n };
  for (let first = 0; first < DELIVERIES; first += BATCH) {
    const started = process.hrtime.bigint();
    db.transaction(() => {
      for (let i = first; i < first + BATCH; i++) {
        const id = `delivery-${i}-0000-4000-8000-000000000000`;
        insert.run(id, "push", own ? "" : payload, i);
        if (own) insertPayload.run(id, payload);
      }
    })();
    const inserted = process.hrtime.bigint();
    const rows = db.transaction(() => claim.all(Number.MAX_SAFE_INTEGER, BATCH) as Array<{ id: string }>)();
    const claimed = process.hrtime.bigint();
    db.transaction(() => {
      for (const { id } of rows) {
        finish.run(id);
        if (own) dropPayload.run(id);
      }
    })();
    ns.insert += inserted - started;
    ns.claim += claimed - inserted;
    ns.finish += process.hrtime.bigint() - claimed;
  }
  db.close();
  const perDelivery = (total: bigint) => Number(total) / DELIVERIES / 1000;
  return { insert: perDelivery(ns.insert), claim: perDelivery(ns.claim), finish: perDelivery(ns.finish) };
}

const dir = mkdtempSync(join(tmpdir(), "gantry-payload-layout-"));
try {
  console.log(`${DELIVERIES} deliveries of ${PAYLOAD_BYTES} bytes, ${BATCH} a transaction; µs per delivery`);
  // alternating, twice each, so a drifting machine weighs on both alike
  for (const [run, layout] of (["in the row", "own table", "in the row", "own table"] as const).entries()) {
    const { insert, claim, finish } = measure(layout, join(dir, `run-${run}.db`));
    console.log(`${layout.padEnd(10)}  insert ${insert.toFixed(1)}  claim ${claim.toFixed(1)}  finish ${finish.toFixed(1)}  all ${(insert + claim + finish).toFixed(1)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
