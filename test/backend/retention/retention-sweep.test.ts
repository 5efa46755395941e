import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../../src/backend/open-database.js";
import { removeOldRecords } from "../../../src/backend/retention/remove-old-records.js";
import { DAY_MS, startRetentionSweeps } from "../../../src/backend/retention/start-retention-sweeps.js";
import { RedisStore } from "../../../src/backend/storage/redis-store.js";
import { SqliteStore } from "../../../src/backend/storage/sqlite-store.js";
import type { Store } from "../../../src/backend/storage/store.js";
import { logDir, logPath } from "../../../src/runs/log-path.js";
import { eventually } from "../../helpers/eventually.js";
import { memoryLog } from "../../helpers/memory-log.js";
import { connectRedis, deleteKeys, randomPrefix } from "../../helpers/redis.js";
import { run } from "../storage/store-contract.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
let admin: Redis | null = null;
afterAll(async () => {
  await admin?.quit();
});

const NOW = Date.now();
const RETENTION_MS = 30 * DAY_MS;
const OLD = NOW - 40 * DAY_MS;
const RECENT = NOW - 2 * DAY_MS;

const backends: Array<[string, (dataDir: string) => Promise<Store>]> = [
  ["SQLite", async (dataDir) => new SqliteStore(openDatabase(dataDir))],
  [
    "Redis",
    async () => {
      admin ??= await connectRedis();
      const redis = await connectRedis();
      const prefix = randomPrefix();
      cleanups.push(async () => {
        await deleteKeys(admin!, prefix);
        await redis.quit();
      });
      return new RedisStore(redis, { prefix });
    },
  ],
];

/** A data folder with the store's records and this node's log folders, aged as the ids say. */
async function setUp(open: (dataDir: string) => Promise<Store>) {
  const dataDir = mkdtempSync(join(tmpdir(), "gantry-retention-"));
  const store = await open(dataDir);
  cleanups.push(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const ids = { old: randomUUID(), recent: randomUUID(), running: randomUUID(), gone: randomUUID(), oldKeptRecord: randomUUID() };
  const done = { state: "completed" as const, result: { conclusion: "success" as const, steps: [], durationMs: 1 } };
  for (const [id, receivedAt] of [["d-old", OLD], ["d-recent", RECENT]] as const) {
    await store.recordDelivery({ id, event: "push", payload: "{}", receivedAt });
    await store.finishDeliveries([{ id }]);
  }
  await store.addRuns([
    run(ids.old, "d-old", "build", { ...done, createdAt: OLD, completedAt: OLD + 1000 }),
    run(ids.recent, "d-recent", "build", { ...done, createdAt: RECENT, completedAt: RECENT + 1000 }),
    run(ids.running, "d-run", "deploy", { createdAt: OLD, state: "running", startedAt: OLD }),
    // its delivery is busy (the running deploy), so the record stays; its old log folder goes anyway
    run(ids.oldKeptRecord, "d-run", "test", { ...done, createdAt: OLD, completedAt: OLD + 1000 }),
  ]);
  // `gone`: a run another node's sweep already removed from the store
  for (const [id, at] of [[ids.old, OLD], [ids.recent, RECENT], [ids.running, OLD], [ids.gone, RECENT], [ids.oldKeptRecord, OLD]] as const) {
    mkdirSync(logDir(dataDir, id), { recursive: true });
    writeFileSync(logPath(dataDir, id, 1), "line\n");
    utimesSync(logDir(dataDir, id), at / 1000, at / 1000);
  }
  // not gantry's: a file, and folders whose names are no run id, however old
  writeFileSync(join(dataDir, "logs", "README.txt"), "mine");
  mkdirSync(join(dataDir, "logs", "archive"));
  utimesSync(join(dataDir, "logs", "archive"), OLD / 1000, OLD / 1000);
  return { dataDir, store, ids };
}

describe.each(backends)("retention sweep on %s", (_name, open) => {
  it("removes old records and log folders, keeping recent, running and foreign ones", async () => {
    const { dataDir, store, ids } = await setUp(open);
    const { log } = memoryLog();
    const sweeps = startRetentionSweeps({ store, dataDir, retentionMs: RETENTION_MS, log, nodeId: "host:1", firstDelayMs: 60_000, now: () => NOW });
    cleanups.push(() => sweeps.stop());

    expect(await sweeps.sweepNow()).toEqual({ deliveries: 1, runs: 1, logs: 2 });

    expect(await store.getRun(ids.old)).toBe(null);
    expect(await store.hasDelivery("d-old")).toBe(false);
    expect(await store.hasDelivery("d-recent")).toBe(true);
    for (const id of [ids.recent, ids.running, ids.oldKeptRecord]) expect((await store.getRun(id))?.id).toBe(id);
    for (const id of [ids.old, ids.gone, ids.oldKeptRecord]) expect(existsSync(logDir(dataDir, id))).toBe(false);
    for (const id of [ids.recent, ids.running]) expect(existsSync(logPath(dataDir, id, 1))).toBe(true);
    expect(existsSync(join(dataDir, "logs", "README.txt"))).toBe(true);
    expect(existsSync(join(dataDir, "logs", "archive"))).toBe(true);

    // a second sweep finds nothing more
    expect(await sweeps.sweepNow()).toEqual({ deliveries: 0, runs: 0, logs: 0 });
  });

  it("sweeps on its timer and stops at once when asked", async () => {
    const { dataDir, store, ids } = await setUp(open);
    const { log, lines } = memoryLog();
    const sweeps = startRetentionSweeps({ store, dataDir, retentionMs: RETENTION_MS, log, nodeId: "host:1", firstDelayMs: 10, intervalMs: 60_000, now: () => NOW });
    await eventually("the first sweep", async () => (await store.getRun(ids.old)) === null && !existsSync(logDir(dataDir, ids.gone)));
    await eventually("its log line", async () => lines().some((line) => line.includes("retention: removed 1 deliveries, 1 runs (with their logs here) and 2 more log folders older than 30 days")));
    const started = Date.now();
    await sweeps.stop(2_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(sweeps.sweepNow()).resolves.toEqual({ deliveries: 0, runs: 0, logs: 0 });
  });

  it("does not sweep the store while another node holds the sweep", async () => {
    const { dataDir, store, ids } = await setUp(open);
    expect(await store.acquireLock("retention-sweep", "host:2", NOW, 60_000)).toBe(true);
    const sweeps = startRetentionSweeps({ store, dataDir, retentionMs: RETENTION_MS, log: memoryLog().log, nodeId: "host:1", firstDelayMs: 60_000, now: () => NOW });
    cleanups.push(() => sweeps.stop());
    // this node still sweeps its own logs: the gone run's and the old completed ones
    expect(await sweeps.sweepNow()).toEqual({ deliveries: 0, runs: 0, logs: 3 });
    expect((await store.getRun(ids.old))?.id).toBe(ids.old);
  });
});

it("removes records in steps of the batch size and stops between steps once aborted", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "gantry-retention-"));
  const store: Store = new SqliteStore(openDatabase(dataDir));
  cleanups.push(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const done = { state: "completed" as const, createdAt: 1, completedAt: 2 };
  await store.addRuns(Array.from({ length: 10 }, (_, i) => run(randomUUID(), `d${i}`, "build", done)));
  const stopping = new AbortController();
  const steps: number[] = [];
  // the real store, watched: the sweep is stopped after its second step
  const watched: Store = Object.assign(Object.create(store) as Store, {
    removeOldRecords: async (before: number, limit: number, cursor: number) => {
      const step = await store.removeOldRecords(before, limit, cursor);
      steps.push(step.runIds.length);
      if (steps.length === 2) stopping.abort();
      return step;
    },
  });
  expect(await removeOldRecords({ store: watched, dataDir, before: 100, batch: 3, signal: stopping.signal })).toEqual({ deliveries: 0, runs: 6 });
  expect(steps).toEqual([3, 3]);
  expect(await store.runsInState("completed")).toHaveLength(4);
  // the next sweep goes on where it left off
  expect(await removeOldRecords({ store, dataDir, before: 100, batch: 3 })).toEqual({ deliveries: 0, runs: 4 });
});
