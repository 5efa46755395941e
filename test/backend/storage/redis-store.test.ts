import type { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { RedisStore } from "../../../src/backend/storage/redis-store.js";
import { connectRedis, deleteKeys, randomPrefix } from "../../helpers/redis.js";
import { run, storeContract } from "./store-contract.js";

// connected by the first test rather than in beforeAll, so that without Redis every test fails, none is skipped
let admin: Redis | null = null;
const opened: Array<{ prefix: string; clients: Redis[] }> = [];

afterEach(async () => {
  for (const { prefix, clients } of opened.splice(0)) {
    await deleteKeys(admin!, prefix);
    for (const client of clients) await client.quit();
  }
});

afterAll(async () => {
  await admin?.quit();
});

/** A store on its own connection and prefix; `reopen` is another connection on the same prefix, as another host. */
async function open(): Promise<{ store: RedisStore; reopen: () => Promise<RedisStore>; prefix: string; redis: Redis }> {
  admin ??= await connectRedis();
  const prefix = randomPrefix();
  const redis = await connectRedis();
  const entry = { prefix, clients: [redis] };
  opened.push(entry);
  return {
    prefix,
    redis,
    store: new RedisStore(redis, { prefix }),
    reopen: async () => {
      const other = await connectRedis();
      entry.clients.push(other);
      return new RedisStore(other, { prefix });
    },
  };
}

storeContract("RedisStore", open);

describe("RedisStore on Redis", () => {
  it("keeps every key under its prefix", async () => {
    const { store, redis, prefix } = await open();
    await store.recordDelivery({ id: "d1", event: "push", payload: "{}", receivedAt: 1 });
    await store.addRuns([run("r1", "d1", "build")]);
    await store.claimPush("1:refs/heads/main:abc", "d1", 1, 1_000);
    await store.acquireLock("group:1:deploy", "r1", 1, 1_000);
    await store.setMeta("k", "v");
    const keys = await redis.keys(`${prefix}*`);
    expect(keys.length).toBeGreaterThanOrEqual(8);
    const other = await open();
    expect(await other.store.hasDelivery("d1")).toBe(false);
    expect(await other.store.getRun("r1")).toBe(null);
    expect(await other.store.getMeta("k")).toBe(null);
  });

  it("does not quit the caller's client on close, and refuses calls after it", async () => {
    const { store, redis } = await open();
    await store.close();
    expect(await redis.ping()).toBe("PONG");
    await expect(store.getMeta("k")).rejects.toThrow(/gantry: RedisStore .* is closed/);
  });

  it("leases each delivery to exactly one of many concurrent claimers", async () => {
    const { store, reopen } = await open();
    for (let i = 0; i < 50; i++) await store.recordDelivery({ id: `d${i}`, event: "push", payload: "{}", receivedAt: i });
    const handles = [store, ...(await Promise.all([1, 2, 3, 4, 5].map(() => reopen())))];
    const claims = await Promise.all(handles.flatMap((h, n) => [0, 1, 2].map(() => h.claimDeliveries(`node-${n}`, 100, 7, 10_000))));
    const ids = claims.flat().map((d) => d.id);
    expect(ids.length).toBe(50);
    expect(new Set(ids).size).toBe(50);
  });

  it("adds one run per delivery and pipeline when hosts race", async () => {
    const { store, reopen } = await open();
    const handles = [store, await reopen(), await reopen()];
    const results = await Promise.all(
      handles.map((h, n) => h.addRuns([run(`build-${n}`, "d1", "build"), run(`deploy-${n}`, "d1", "deploy")])),
    );
    const winners = results[0]!.map((r) => r.id);
    expect(winners).toHaveLength(2);
    for (const result of results) expect(result.map((r) => r.id)).toEqual(winners);
    expect((await store.runsOfDelivery("d1")).map((r) => r.id)).toEqual(winners);
  });

  it("moves a run to running once when hosts race for it", async () => {
    const { store, reopen } = await open();
    await store.addRuns([run("r1", "d1", "build")]);
    const handles = [store, await reopen(), await reopen(), await reopen()];
    const taken = await Promise.all(handles.map((h, n) => h.updateRun("r1", ["queued"], { state: "running", nodeId: `n${n}` })));
    expect(taken.filter((r) => r !== null)).toHaveLength(1);
    expect(await store.runsInState("queued")).toEqual([]);
    expect((await store.runsInState("running")).map((r) => r.version)).toEqual([2]);
  });

  it("orders runs and deliveries of the same millisecond by insertion, not by id", async () => {
    const { store } = await open();
    await store.addRuns([run("zz", "d1", "b", { createdAt: 5 }), run("aa", "d1", "a", { createdAt: 5 }), run("mm", "d1", "c", { createdAt: 4 })]);
    expect((await store.findRuns({ owner: "octo", repo: "app" })).map((r) => r.id)).toEqual(["mm", "zz", "aa"]);
    expect((await store.runsOfDelivery("d1")).map((r) => r.id)).toEqual(["zz", "aa", "mm"]);
    expect((await store.claimUnsynced("n", 10, 2, 1_000)).map((r) => r.id)).toEqual(["mm", "zz"]);
    await store.recordDelivery({ id: "z", event: "push", payload: "{}", receivedAt: 7 });
    await store.recordDelivery({ id: "a", event: "push", payload: "{}", receivedAt: 7 });
    expect((await store.claimDeliveries("n", 10, 1, 1_000)).map((d) => d.id)).toEqual(["z"]);
  });

  it("finds runs through the state index once the repository's history outgrows it", async () => {
    const { store } = await open();
    const history = Array.from({ length: 30 }, (_, i) => run(`old-${i}`, `d-${i}`, "build", { createdAt: i, state: "completed" }));
    await store.addRuns([...history, run("live", "d-live", "build", { createdAt: 100 })]);
    await store.addRuns([run("elsewhere", "d-x", "build", { createdAt: 50, push: { ...run("x", "x", "x").push, repo: "other" } })]);
    expect((await store.findRuns({ owner: "octo", repo: "app", states: ["queued", "running", "queued"] })).map((r) => r.id)).toEqual(["live"]);
    expect(await store.findRuns({ owner: "octo", repo: "app", states: [] })).toEqual([]);
    expect(await store.findRuns({ owner: "octo", repo: "app", states: ["completed"], pipeline: "deploy" })).toEqual([]);
  });

  it("leaves missing deliveries and runs alone instead of creating half records", async () => {
    const { store, redis, prefix } = await open();
    await store.finishDeliveries([{ id: "ghost" }]);
    await store.retryDeliveryLater("ghost", 1, "x");
    await store.markSynced("ghost", 1, { notBefore: 0, checkRunId: 1 });
    await store.syncFailed("ghost", 1);
    expect(await redis.keys(`${prefix}*`)).toEqual([]);
  });

  it("reads a run stored before annotationsSent existed as having sent none", async () => {
    const { store, redis, prefix } = await open();
    await store.addRuns([run("r1", "d1", "build", { annotationsSent: 9 })]);
    expect(await redis.hdel(`${prefix}run:r1`, "annotationsSent")).toBe(1);
    expect((await store.getRun("r1"))?.annotationsSent).toBe(0);
    expect((await store.updateRun("r1", [], { annotationsSent: 50 }, { report: false }))?.annotationsSent).toBe(50);
  });

  it("removes old records with every index entry they were in, leaving no key behind", async () => {
    const { store, redis, prefix } = await open();
    await store.recordDelivery({ id: "d1", event: "push", payload: "{}", receivedAt: 1 });
    await store.finishDeliveries([{ id: "d1", error: "x" }]);
    const completed = { state: "completed" as const, createdAt: 1, completedAt: 2 };
    await store.addRuns([run("r1", "d1", "build", completed), run("r2", "d1", "test", completed)]);
    expect(await store.removeOldRecords(100, 10, 0)).toEqual({ deliveries: 1, runIds: ["r1", "r2"], cursor: null });
    expect(await redis.keys(`${prefix}*`)).toEqual([`${prefix}seq`]);
  });

  it("reloads its scripts after Redis forgets them", async () => {
    const { store, redis } = await open();
    await store.recordDelivery({ id: "d1", event: "push", payload: "{}", receivedAt: 1 });
    await redis.script("FLUSH");
    expect(await store.recordDelivery({ id: "d2", event: "push", payload: "{}", receivedAt: 2 })).toBe(true);
    expect(await store.countPendingDeliveries()).toBe(2);
  });

  it("rejects an empty prefix, quoting it", async () => {
    const { redis } = await open();
    expect(() => new RedisStore(redis, { prefix: "" })).toThrow('gantry: RedisStore option prefix must be a non-empty string such as "gantry:", got ""');
  });
});
