import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDeliveryPump, type DeliveryPump } from "../../src/dispatch/delivery-pump.js";
import type { Store } from "../../src/backend/storage/store.js";
import type { FakeGitHub, HostedRepo } from "../fake-github/fake-github.js";
import type { GitHubApp } from "../../src/github/github-app.js";
import { startFakeGitHubApp } from "../helpers/fake-github-app.js";
import { memoryLog } from "../helpers/memory-log.js";
import { pushPayload } from "../helpers/push-payload.js";
import { openTempStore } from "../helpers/temp-store.js";

const CONFIG = "pipelines:\n  build:\n    steps:\n      - run: echo build\n";

let temp: ReturnType<typeof openTempStore>;
/** The fake GitHub, and gantry's client of it. */
let app: { fake: FakeGitHub; github: GitHubApp };
let repo: HostedRepo;
let sha: string;
let memory: ReturnType<typeof memoryLog>;
/** The payloads the pump read back from the store, by delivery id. */
let reads: string[];
/** Store methods that fail once, as a store briefly unreachable does. */
let failOnce: Set<string>;
/** Runs as the pump reads a payload back: what another node may do meanwhile. */
let beforeRead: (id: string) => Promise<void>;
let pump: DeliveryPump | null;

beforeEach(async () => {
  temp = openTempStore();
  app = await startFakeGitHubApp();
  repo = await app.fake.createRepo("octo", "app");
  sha = await repo.commit({ ".github/gantry.yml": CONFIG }, "add gantry");
  await repo.push("refs/heads/main", sha);
  memory = memoryLog();
  reads = [];
  failOnce = new Set();
  beforeRead = async () => {};
  pump = null;
});
afterEach(async () => {
  await pump?.stop();
  await temp.close();
  await app.fake.close();
});

/** The real store, its payload reads counted: what the pump did not have in memory. */
function counted(store: Store): Store {
  return new Proxy(store, {
    get(target, key) {
      if (key === "readDeliveryPayload") {
        return async (id: string) => {
          reads.push(id);
          await beforeRead(id);
          return target.readDeliveryPayload(id);
        };
      }
      if (typeof key === "string" && failOnce.delete(key)) return () => Promise.reject(new Error(`${key}: store unreachable`));
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function startPump(bound?: { maxCount: number; maxBytes: number }): DeliveryPump {
  const deps = { store: counted(temp.store), queue: temp.openQueue(), github: app.github, log: memory.log, wakeSyncer: () => {}, nodeId: "test-host:1" };
  pump = createDeliveryPump(deps, bound);
  return pump;
}

/** A push of the config commit to its own branch: each is a push of its own, planned once. */
function pushTo(branch: string): string {
  return JSON.stringify(pushPayload({ owner: repo.owner, repo: repo.name, repoId: repo.id, installationId: repo.installationId, ref: `refs/heads/${branch}`, before: "0".repeat(40), after: sha, commits: [{ id: sha, message: "add gantry" }] }));
}

/** As the ack path does: recorded in the store, then handed to the pump parsed (all before it claims any). */
async function deliver(to: DeliveryPump, deliveries: Array<[id: string, text: string]>): Promise<void> {
  const receivedAt = Date.now();
  for (const [id, text] of deliveries) expect(await temp.store.recordDelivery({ id, event: "push", payload: text, receivedAt })).toBe(true);
  for (const [id, text] of deliveries) to.recorded({ id, payload: JSON.parse(text), bytes: Buffer.byteLength(text), receivedAt });
}

async function plannedOf(ids: string[]): Promise<number[]> {
  return Promise.all(ids.map(async (id) => (await temp.store.runsOfDelivery(id)).length));
}

describe("the delivery pump", () => {
  it("dispatches a delivery handed over by the ack path from memory, never reading its payload back", async () => {
    const started = startPump();
    await deliver(started, [["d1", pushTo("one")]]);
    await started.drain(10_000);
    expect(await plannedOf(["d1"])).toEqual([1]);
    expect(reads).toEqual([]);
    expect(await temp.store.countPendingDeliveries()).toBe(0);
  });

  it("dispatches a delivery recorded in the store alone (before a restart, by another node) from the store's copy", async () => {
    await temp.store.recordDelivery({ id: "old", event: "push", payload: pushTo("old"), receivedAt: Date.now() });
    const started = startPump();
    await started.drain(10_000);
    expect(await plannedOf(["old"])).toEqual([1]);
    expect(reads).toEqual(["old"]);
    expect(await temp.store.countPendingDeliveries()).toBe(0);
  });

  it("dispatches every delivery when the memory is full: those past its bound from the store", async () => {
    const started = startPump({ maxCount: 2, maxBytes: 1024 * 1024 });
    const ids = ["a", "b", "c", "d", "e"];
    await deliver(started, ids.map((id) => [id, pushTo(id)]));
    await started.drain(10_000);
    expect(await plannedOf(ids)).toEqual([1, 1, 1, 1, 1]);
    // the first two were kept; the newest were dropped from memory, not lost
    expect(reads.sort()).toEqual(["c", "d", "e"]);
    expect(await temp.store.countPendingDeliveries()).toBe(0);
  });

  it("reads the store's copy for a retry, the memory having let go of it at the first attempt", async () => {
    const started = startPump();
    failOnce.add("runsOfDelivery");
    await deliver(started, [["d1", pushTo("retried")]]);
    await started.drain(10_000);
    expect(memory.lines().join("\n")).toContain("dispatch failed, retrying in 2s");
    expect(await plannedOf(["d1"])).toEqual([0]);
    expect(reads).toEqual([]);
    // the retry comes due after 2 s
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await started.drain(10_000);
    expect(await plannedOf(["d1"])).toEqual([1]);
    expect(reads).toEqual(["d1"]);
    expect(await temp.store.countPendingDeliveries()).toBe(0);
  });
  it("leaves alone a delivery another node finished between the claim and the read (its lease had lapsed here)", async () => {
    await temp.store.recordDelivery({ id: "gone", event: "push", payload: pushTo("gone"), receivedAt: Date.now() });
    beforeRead = (id) => temp.store.finishDeliveries([{ id, error: "another node gave up" }]);
    await startPump().drain(10_000);
    expect(reads).toEqual(["gone"]);
    expect(await plannedOf(["gone"])).toEqual([0]);
    expect(memory.lines().join("\n")).toContain("not dispatched: finished elsewhere");
    expect(memory.lines().join("\n")).not.toContain("giving up");
  });
});
