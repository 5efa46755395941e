import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import Database from "better-sqlite3";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { openThreadedStore } from "../../../src/backend/storage/threaded-store.js";
import { BUILT_STORE_SCRIPTS } from "../../helpers/built-store-scripts.js";
import { run, storeContract } from "./store-contract.js";

const scripts = BUILT_STORE_SCRIPTS;

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "gantry-thread-store-"));
  dirs.push(dir);
  return dir;
};

storeContract("SqliteStore on its own thread", async () => {
  const dataDir = freshDir();
  return { store: await openThreadedStore({ dataDir, scripts }), reopen: () => openThreadedStore({ dataDir, scripts }) };
});

it("runs the calls of one turn in the order they were made, each seeing the one before", async () => {
  const store = await openThreadedStore({ dataDir: freshDir(), scripts });
  const added = store.addRuns([run("r1", "d1", "build")]);
  const updated = store.updateRun("r1", ["queued"], { state: "running", pid: 42 });
  const read = store.getRun("r1");
  const missing = store.updateRun("r1", ["queued"], { pid: 7 });
  expect((await added).map((r) => r.id)).toEqual(["r1"]);
  expect((await updated)?.pid).toBe(42);
  expect((await read)?.state).toBe("running");
  expect(await missing).toBeNull();
  await store.close();
});

it("rejects with SQLite's message and code, as the store itself would", async () => {
  const store = await openThreadedStore({ dataDir: freshDir(), scripts });
  await store.addRuns([run("r1", "d1", "build")]);
  const error = await store.updateRun("r1", [], { state: null as unknown as "running" }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).message).toBe("NOT NULL constraint failed: runs.state");
  expect((error as { code?: string }).code).toBe("SQLITE_CONSTRAINT_NOTNULL");
  // the store goes on
  expect((await store.getRun("r1"))?.state).toBe("queued");
  await store.close();
});

it("answers the deliveries still being recorded when it is closed, and they are there after reopening", async () => {
  const dataDir = freshDir();
  const store = await openThreadedStore({ dataDir, scripts });
  const recorded = Array.from({ length: 200 }, (_, i) => store.recordDelivery({ id: `d${i}`, event: "push", payload: "{}", receivedAt: i }));
  await store.close();
  expect(await Promise.all(recorded)).toEqual(recorded.map(() => true));
  const reopened = await openThreadedStore({ dataDir, scripts });
  expect(await reopened.countPendingDeliveries()).toBe(200);
  await reopened.close();
});

it("copies the WAL into the database file while the store stays open, on a thread of its own", async () => {
  const dataDir = freshDir();
  const store = await openThreadedStore({ dataDir, scripts });
  for (let i = 0; i < 20; i++) expect(await store.recordDelivery({ id: `d${i}`, event: "push", payload: JSON.stringify({ n: i }), receivedAt: i })).toBe(true);
  // the database file alone, without its WAL, as a copy: what a checkpoint has written into it
  const copy = join(freshDir(), "copy.db");
  const deadline = Date.now() + 5_000;
  let seen = 0;
  while (seen < 20 && Date.now() < deadline) {
    copyFileSync(join(dataDir, "gantry.db"), copy);
    seen = countDeliveries(copy);
    if (seen < 20) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(seen).toBe(20);
  await store.close();
});

/** Deliveries in a copy of the database file alone; 0 for a copy taken before the first checkpoint, or mid-way through one. */
function countDeliveries(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    // before the first checkpoint even the schema is only in the WAL
    if (db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'deliveries'").get() === undefined) return 0;
    return (db.prepare("SELECT count(*) AS n FROM deliveries").get() as { n: number }).n;
  } catch {
    return 0;
  } finally {
    db.close();
  }
}

it("refuses a data directory it cannot open, with the reason, and leaves no thread behind", async () => {
  const notADir = join(freshDir(), "file");
  writeFileSync(notADir, "");
  await expect(openThreadedStore({ dataDir: notADir, scripts })).rejects.toThrow(/ENOTDIR|EEXIST|not a directory/);
});

it("fails the calls waiting on a thread that died, and every call after, naming what happened", async () => {
  const store = await openThreadedStore({ dataDir: freshDir(), scripts: { ...scripts, store: new URL("./fixtures/dying-store-thread.js", import.meta.url) } });
  await expect(store.hasDelivery("d1")).rejects.toThrow("gantry: the store's thread exited (code 3); the store is closed");
  await expect(store.recordDelivery({ id: "d1", event: "push", payload: "{}", receivedAt: 1 })).rejects.toThrow("the store's thread exited (code 3)");
  // closing a dead store does not hang
  await store.close();
});
