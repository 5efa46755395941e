import { mkdtempSync, rmSync } from "node:fs";
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
