import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { openDatabase } from "../../src/backend/open-database.js";
import { SqliteStore } from "../../src/backend/storage/sqlite-store.js";
import type { FinishedDelivery } from "../../src/backend/storage/store.js";
import { createDeliveryFinisher } from "../../src/dispatch/create-delivery-finisher.js";

let dir: string;
let store: SqliteStore;
let writes: FinishedDelivery[][];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "gantry-finisher-"));
  store = new SqliteStore(openDatabase(dir));
  writes = [];
  const finishDeliveries = store.finishDeliveries.bind(store);
  store.finishDeliveries = (finished) => {
    writes.push(finished);
    return finishDeliveries(finished);
  };
  for (let i = 0; i < 6; i++) await store.recordDelivery({ id: `d${i}`, event: "push", payload: "{}", receivedAt: i });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

it("writes the deliveries finished in one tick together, each caller answered once its own is written", async () => {
  const finish = createDeliveryFinisher(store);
  const first = Promise.all([finish({ id: "d0" }), finish({ id: "d1", error: "gave up" }), finish({ id: "d2" })]);
  await first;
  expect(await store.countPendingDeliveries()).toBe(3);
  await Promise.all([finish({ id: "d3" }), finish({ id: "d4" })]);
  expect(writes).toEqual([[{ id: "d0" }, { id: "d1", error: "gave up" }, { id: "d2" }], [{ id: "d3" }, { id: "d4" }]]);
  expect((await store.claimDeliveries("n", 100, 10, 1_000)).map((d) => d.id)).toEqual(["d5"]);
});

it("fails every caller of a batch whose write failed, so each can retry its delivery", async () => {
  const finish = createDeliveryFinisher(store);
  store.finishDeliveries = () => Promise.reject(new Error("disk gone"));
  const outcomes = await Promise.allSettled([finish({ id: "d0" }), finish({ id: "d1" })]);
  expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected"]);
  expect(await store.countPendingDeliveries()).toBe(6);
});
