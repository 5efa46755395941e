import { mkdtempSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import Database from "better-sqlite3";
import { afterAll, expect, it } from "vitest";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../../src/backend/open-database.js";
import { SqliteStore } from "../../../src/backend/storage/sqlite-store.js";
import type { Store } from "../../../src/backend/storage/store.js";
import { run, storeContract } from "./store-contract.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

storeContract("SqliteStore", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gantry-store-"));
  dirs.push(dir);
  return { store: new SqliteStore(openDatabase(dir)), reopen: async () => new SqliteStore(openDatabase(dir)) };
});

it("adds the annotations_sent column to a database of an older gantry, its runs having sent none", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gantry-store-"));
  dirs.push(dir);
  const store = new SqliteStore(openDatabase(dir));
  await store.addRuns([run("r1", "d1", "build", { annotationsSent: 9 })]);
  await store.close();
  const older = new Database(join(dir, "gantry.db"));
  older.exec("ALTER TABLE runs DROP COLUMN annotations_sent");
  older.close();
  const reopened = new SqliteStore(openDatabase(dir));
  expect((await reopened.getRun("r1"))?.annotationsSent).toBe(0);
  expect((await reopened.updateRun("r1", [], { annotationsSent: 50 }, { report: false }))?.annotationsSent).toBe(50);
  await reopened.close();
  // opening it again changes nothing
  const again = new SqliteStore(openDatabase(dir));
  expect((await again.getRun("r1"))?.annotationsSent).toBe(50);
  await again.close();
});

it("drops push claims older than the retention with the old records (Redis lets them expire)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gantry-store-"));
  dirs.push(dir);
  const store = new SqliteStore(openDatabase(dir));
  await store.claimPush("old", "d1", 10, 1);
  await store.claimPush("new", "d2", 500, 1);
  expect(await (store as Store).removeOldRecords(100, 10, 0)).toEqual({ deliveries: 0, runIds: [], cursor: null });
  await store.close();
  const db = new Database(join(dir, "gantry.db"));
  expect(db.prepare("SELECT key FROM pushes").all()).toEqual([{ key: "new" }]);
  db.close();
});

it("refuses a delivery whose WAL could not be synced, and every delivery after it until reopened", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gantry-store-"));
  dirs.push(dir);
  // the real WAL, whose fsync fails from the second on, as a failing disk's would
  let syncs = 0;
  const store = new SqliteStore(openDatabase(dir), {
    openWal: async (path) => {
      const file = await open(path, "r");
      return {
        sync: async () => {
          if (++syncs > 1) throw Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" });
          await file.sync();
        },
        close: () => file.close(),
      };
    },
  });
  expect(await store.recordDelivery({ id: "d1", event: "push", payload: "{}", receivedAt: 10 })).toBe(true);
  await expect(store.recordDelivery({ id: "d2", event: "push", payload: "{}", receivedAt: 11 })).rejects.toThrow(
    `gantry: the data directory's disk failed to sync ${join(dir, "gantry.db")}-wal`,
  );
  // d2's row is in SQLite's view but not known to be on disk: a redelivery must not be answered "duplicate"
  await expect(store.recordDelivery({ id: "d2", event: "push", payload: "{}", receivedAt: 12 })).rejects.toThrow("deliveries are refused until gantry is restarted");
  await expect(store.recordDelivery({ id: "d3", event: "push", payload: "{}", receivedAt: 13 })).rejects.toThrow("deliveries are refused until gantry is restarted");
  await store.close();
});

it("opens the WAL once for every group commit after, and closes it with the store", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gantry-store-"));
  dirs.push(dir);
  const opened: string[] = [];
  let closed = 0;
  const store = new SqliteStore(openDatabase(dir), {
    openWal: async (path) => {
      opened.push(path);
      const file = await open(path, "r");
      return { sync: () => file.sync(), close: async () => (closed++, file.close()) };
    },
  });
  for (let i = 0; i < 5; i++) expect(await store.recordDelivery({ id: `d${i}`, event: "push", payload: "{}", receivedAt: i })).toBe(true);
  expect(opened).toEqual([`${join(dir, "gantry.db")}-wal`]);
  await store.close();
  expect(closed).toBe(1);
});

it("answers the deliveries still being recorded when it is closed, and they are there after reopening", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gantry-store-"));
  dirs.push(dir);
  const store = new SqliteStore(openDatabase(dir));
  const recorded = ["d1", "d2", "d3"].map((id, i) => store.recordDelivery({ id, event: "push", payload: "{}", receivedAt: i }));
  await store.close();
  expect(await Promise.all(recorded)).toEqual([true, true, true]);
  const reopened = new SqliteStore(openDatabase(dir));
  expect(await Promise.all(["d1", "d2", "d3"].map((id) => reopened.hasDelivery(id)))).toEqual([true, true, true]);
  await reopened.close();
});
