import { describe, expect, it } from "vitest";
import type { PlannedPipeline } from "../../src/planning/plan-types.js";
import type { RunRecord } from "../../src/storage/run-types.js";
import type { Store } from "../../src/storage/store.js";

const pipeline = (name: string, needs: string[] = []): PlannedPipeline => ({
  name,
  action: "run",
  needs,
  timeoutMs: 60_000,
  env: {},
  steps: [{ name: "s", run: "true", timeoutMs: 60_000 }],
});

export function run(id: string, deliveryId: string, name: string, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    id,
    deliveryId,
    pipeline: pipeline(name),
    push: {
      installationId: 1,
      owner: "octo",
      repo: "app",
      ref: "refs/heads/main",
      before: "0".repeat(40),
      sha: "a".repeat(40),
      pusher: "mona",
      headCommit: { id: "a".repeat(40), author: "Mona", message: "hi 😀" },
      commits: [],
      totalCommits: 0,
    },
    state: "queued",
    checkRunId: null,
    result: null,
    createdAt: 1,
    startedAt: null,
    completedAt: null,
    ...overrides,
  };
}

/** The behaviour every Store must have; each implementation's test file calls this with a fresh store factory. */
export function storeContract(name: string, open: () => Promise<{ store: Store; reopen?: () => Promise<Store> }>): void {
  describe(`Store contract: ${name}`, () => {
    it("records a delivery once and lists it as pending until finished", async () => {
      const { store } = await open();
      expect(await store.recordDelivery({ id: "d1", event: "push", payload: "{}", receivedAt: 10 })).toBe(true);
      expect(await store.recordDelivery({ id: "d1", event: "push", payload: "{}", receivedAt: 11 })).toBe(false);
      expect(await store.recordDelivery({ id: "d2", event: "push", payload: '{"a":1}', receivedAt: 12 })).toBe(true);
      expect((await store.pendingDeliveries(100, 10)).map((d) => d.id)).toEqual(["d1", "d2"]);
      expect(await store.countPendingDeliveries()).toBe(2);
      await store.finishDelivery("d1", {});
      expect((await store.pendingDeliveries(100, 10)).map((d) => [d.id, d.payload, d.attempts])).toEqual([["d2", '{"a":1}', 0]]);
      await store.close();
    });

    it("holds a delivery back until its retry time and counts attempts", async () => {
      const { store } = await open();
      await store.recordDelivery({ id: "d1", event: "push", payload: "{}", receivedAt: 10 });
      await store.retryDeliveryLater("d1", 500, "GitHub answered 502");
      expect(await store.pendingDeliveries(499, 10)).toEqual([]);
      expect((await store.pendingDeliveries(500, 10))[0]).toMatchObject({ id: "d1", attempts: 1 });
      await store.close();
    });

    it("claims a push once within the window, again after it, and always for the same delivery", async () => {
      const { store } = await open();
      expect(await store.claimPush("1:refs/heads/main:abc", "d1", 1_000, 100)).toBe(true);
      expect(await store.claimPush("1:refs/heads/main:abc", "d1", 1_050, 100)).toBe(true);
      expect(await store.claimPush("1:refs/heads/main:abc", "d2", 1_050, 100)).toBe(false);
      expect(await store.claimPush("1:refs/heads/other:abc", "d2", 1_050, 100)).toBe(true);
      expect(await store.claimPush("1:refs/heads/main:abc", "d3", 1_200, 100)).toBe(true);
      await store.close();
    });

    it("adds runs idempotently per delivery and pipeline, keeping the first", async () => {
      const { store } = await open();
      const first = await store.addRuns([run("r1", "d1", "build"), run("r2", "d1", "deploy", { state: "waiting" })]);
      expect(first.map((r) => [r.id, r.state])).toEqual([["r1", "queued"], ["r2", "waiting"]]);
      const again = await store.addRuns([run("r3", "d1", "build")]);
      expect(again.map((r) => r.id)).toEqual(["r1", "r2"]);
      expect(await store.getRun("r3")).toBe(null);
      expect((await store.getRun("r1"))?.push.headCommit?.message).toBe("hi 😀");
      await store.close();
    });

    it("moves a run between states only from the expected ones", async () => {
      const { store } = await open();
      await store.addRuns([run("r1", "d1", "build")]);
      expect(await store.transitionRun("r1", ["waiting"], "running")).toBe(false);
      expect(await store.transitionRun("r1", ["queued"], "running", { at: 50 })).toBe(true);
      expect(await store.transitionRun("r1", ["queued"], "running")).toBe(false);
      const result = { conclusion: "failure" as const, steps: [{ name: "s", conclusion: "failure" as const, exitCode: 2, durationMs: 5 }], durationMs: 5, failedStep: 0 };
      expect(await store.transitionRun("r1", ["running"], "completed", { result, at: 60 })).toBe(true);
      expect(await store.getRun("r1")).toMatchObject({ state: "completed", startedAt: 50, completedAt: 60, result });
      expect((await store.runsInState("completed")).map((r) => r.id)).toEqual(["r1"]);
      await store.setCheckRunId("r1", 42);
      expect((await store.getRun("r1"))?.checkRunId).toBe(42);
      await store.close();
    });

    it("keeps everything across a reopen", async () => {
      const { store, reopen } = await open();
      if (!reopen) return;
      await store.recordDelivery({ id: "d1", event: "push", payload: "{}", receivedAt: 10 });
      await store.addRuns([run("r1", "d1", "build")]);
      await store.close();
      const again = await reopen();
      expect((await again.pendingDeliveries(100, 10)).map((d) => d.id)).toEqual(["d1"]);
      expect((await again.getRun("r1"))?.pipeline.name).toBe("build");
      await again.close();
    });
  });
}
