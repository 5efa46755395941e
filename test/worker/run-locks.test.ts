import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunRecord } from "../../src/runs/run-types.js";
import { acquireLocks, LOCK_LEASE_MS, lockNames, releaseLocks } from "../../src/worker/run-locks.js";
import { run } from "../backend/storage/store-contract.js";
import { openTempStore } from "../helpers/temp-store.js";

let temp: ReturnType<typeof openTempStore>;
beforeEach(() => (temp = openTempStore()));
afterEach(() => temp.close());

const NOW = 1_000_000;

function locked(id: string, locks: { environment?: string; concurrency?: string; repo?: string; installationId?: number }): RunRecord {
  const base = run(id, "d1", "deploy");
  return {
    ...base,
    push: { ...base.push, repo: locks.repo ?? "app", installationId: locks.installationId ?? 1 },
    pipeline: { ...base.pipeline, environment: locks.environment ?? null, concurrency: locks.concurrency ?? null },
  };
}

describe("run locks", () => {
  it("name the environment per repository and the concurrency group per installation", () => {
    expect(lockNames(locked("r", {}))).toEqual([]);
    expect(lockNames(locked("r", { environment: "production", concurrency: "db", installationId: 7 }))).toEqual([
      "environment:octo/app:production",
      "concurrency:7:db",
    ]);
  });

  it("let one run of an environment at a time, per repository, until it gives them back", async () => {
    const first = locked("first", { environment: "production" });
    const second = locked("second", { environment: "production" });
    expect(await acquireLocks(temp.store, first, NOW)).toBe(true);
    expect(await acquireLocks(temp.store, second, NOW)).toBe(false);
    // the same environment name in another repository is another environment
    expect(await acquireLocks(temp.store, locked("other-repo", { environment: "production", repo: "site" }), NOW)).toBe(true);
    // the holder renews its own lease
    expect(await acquireLocks(temp.store, first, NOW + 1)).toBe(true);
    await releaseLocks(temp.store, first);
    expect(await acquireLocks(temp.store, second, NOW + 2)).toBe(true);
  });

  it("share a concurrency group across the installation's repositories, not across installations", async () => {
    expect(await acquireLocks(temp.store, locked("a", { concurrency: "db", repo: "app" }), NOW)).toBe(true);
    expect(await acquireLocks(temp.store, locked("b", { concurrency: "db", repo: "site" }), NOW)).toBe(false);
    expect(await acquireLocks(temp.store, locked("c", { concurrency: "db", installationId: 2 }), NOW)).toBe(true);
  });

  it("take every lease or none: a partial set is given back", async () => {
    expect(await acquireLocks(temp.store, locked("holder", { concurrency: "db" }), NOW)).toBe(true);
    // takes the environment, then finds the group busy: the environment must be free again
    expect(await acquireLocks(temp.store, locked("both", { environment: "production", concurrency: "db" }), NOW)).toBe(false);
    expect(await acquireLocks(temp.store, locked("env-only", { environment: "production" }), NOW)).toBe(true);
  });

  it("outlive a dead holder by the lease only", async () => {
    expect(await acquireLocks(temp.store, locked("dead", { environment: "production" }), NOW)).toBe(true);
    expect(await acquireLocks(temp.store, locked("next", { environment: "production" }), NOW + LOCK_LEASE_MS - 1)).toBe(false);
    expect(await acquireLocks(temp.store, locked("next", { environment: "production" }), NOW + LOCK_LEASE_MS + 1)).toBe(true);
  });

  it("give back only their own leases", async () => {
    const holder = locked("holder", { environment: "production" });
    expect(await acquireLocks(temp.store, holder, NOW)).toBe(true);
    await releaseLocks(temp.store, locked("stranger", { environment: "production" }));
    expect(await acquireLocks(temp.store, locked("stranger", { environment: "production" }), NOW)).toBe(false);
  });
});
