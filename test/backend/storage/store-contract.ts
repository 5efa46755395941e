import { describe, expect, it } from "vitest";
import type { PlannedPipeline } from "../../../src/planning/plan-types.js";
import { newRun } from "../../../src/runs/new-run.js";
import type { PushContext, RunRecord } from "../../../src/runs/run-types.js";
import type { Store } from "../../../src/backend/storage/store.js";

const pipeline = (name: string): PlannedPipeline => ({
  name,
  action: "run",
  needs: [],
  cancelSuperseded: true,
  environment: null,
  concurrency: null,
  timeoutMs: 60_000,
  env: {},
  steps: [{ name: "s", run: "true", timeoutMs: 60_000 }],
});

export function run(id: string, deliveryId: string, name: string, overrides: Partial<RunRecord> = {}): RunRecord {
  const push: PushContext = {
    installationId: 1,
    // public, so a store that dropped the field (read back as private) fails the round trip
    repositoryId: 4242,
    private: false,
    owner: "octo",
    repo: "app",
    ref: "refs/heads/main",
    before: "0".repeat(40),
    sha: "a".repeat(40),
    pusher: "mona",
    headCommit: { id: "a".repeat(40), author: "Mona", message: "hi 😀" },
    commits: [],
    totalCommits: 0,
    changedFiles: ["src/a.ts"],
  };
  return { ...newRun(deliveryId, push, pipeline(name), 1), id, ...overrides };
}

const ids = (runs: RunRecord[]) => runs.map((r) => r.id);

/**
 * The behaviour every Store must have. `open` gives a fresh, empty store; `reopen` (when the implementation
 * is durable) a second handle on the same data, as another process would have.
 */
export function storeContract(name: string, open: () => Promise<{ store: Store; reopen: () => Promise<Store> }>): void {
  describe(`Store contract: ${name}`, () => {
    it("records a delivery once and leases it to one claimer until finished", async () => {
      const { store } = await open();
      expect(await store.recordDelivery({ id: "d1", event: "push", payload: "{}", receivedAt: 10 })).toBe(true);
      expect(await store.recordDelivery({ id: "d1", event: "push", payload: "{}", receivedAt: 11 })).toBe(false);
      expect(await store.recordDelivery({ id: "d2", event: "push", payload: '{"a":1}', receivedAt: 12 })).toBe(true);
      expect(await store.hasDelivery("d1")).toBe(true);
      expect(await store.hasDelivery("nope")).toBe(false);
      expect(await store.countPendingDeliveries()).toBe(2);
      const first = await store.claimDeliveries("node-a", 100, 1, 1_000);
      // exactly these fields: the payload is not read back at every claim (readDeliveryPayload reads it)
      expect(first).toEqual([{ id: "d1", event: "push", receivedAt: 10, attempts: 0 }]);
      expect((await store.claimDeliveries("node-b", 100, 10, 1_000)).map((d) => d.id)).toEqual(["d2"]);
      expect(await store.claimDeliveries("node-b", 200, 10, 1_000)).toEqual([]);
      await store.finishDeliveries([{ id: "d1" }]);
      expect(await store.countPendingDeliveries()).toBe(1);
      // d2's holder died: its lease lapses
      expect((await store.claimDeliveries("node-c", 1_200, 10, 1_000)).map((d) => d.id)).toEqual(["d2"]);
      await store.close();
    });

    it("renews only the delivery leases its owner still holds, so a live holder keeps them and a dead one's lapse", async () => {
      const { store } = await open();
      for (const [id, receivedAt] of [["d1", 10], ["d2", 11], ["d3", 12]] as const) await store.recordDelivery({ id, event: "push", payload: "{}", receivedAt });
      expect((await store.claimDeliveries("node-a", 100, 2, 1_000)).map((d) => d.id)).toEqual(["d1", "d2"]);
      expect((await store.claimDeliveries("node-b", 100, 10, 1_000)).map((d) => d.id)).toEqual(["d3"]);
      await store.finishDeliveries([{ id: "d2" }]);
      // node-a still works on d1; d2 is done and d3 is node-b's: neither is renewed, nor taken, by node-a
      expect(await store.renewDeliveryLeases("node-a", ["d1", "d2", "d3"], 900, 1_000)).toEqual(["d1"]);
      expect(await store.renewDeliveryLeases("node-a", [], 900, 1_000)).toEqual([]);
      // past the first lease, d1 is still node-a's; node-b died holding d3, whose lease lapsed
      expect((await store.claimDeliveries("node-c", 1_500, 10, 1_000)).map((d) => d.id)).toEqual(["d3"]);
      expect(await store.renewDeliveryLeases("node-b", ["d3"], 1_500, 1_000)).toEqual([]);
      expect((await store.claimDeliveries("node-c", 1_901, 10, 1_000)).map((d) => d.id)).toEqual(["d1"]);
      expect(await store.countPendingDeliveries()).toBe(2);
      await store.close();
    });

    it("finishes several deliveries in one call, done and failed alike, leaving unknown ids and the others alone", async () => {
      const { store } = await open();
      for (const [id, receivedAt] of [["d1", 10], ["d2", 11], ["d3", 12], ["d4", 13]] as const) await store.recordDelivery({ id, event: "push", payload: "{}", receivedAt });
      expect(await store.claimDeliveries("node-a", 100, 10, 1_000)).toHaveLength(4);
      await store.finishDeliveries([{ id: "d1" }, { id: "ghost" }, { id: "d3", error: "gave up" }, { id: "d4", error: "" }]);
      await store.finishDeliveries([]);
      expect(await store.countPendingDeliveries()).toBe(1);
      expect(await store.hasDelivery("ghost")).toBe(false);
      // past the lease only d2 comes back: the finished ones are not pending any more, whatever their outcome
      expect((await store.claimDeliveries("node-b", 2_000, 10, 1_000)).map((d) => d.id)).toEqual(["d2"]);
      // all finished ones are old records for retention; the pending one is kept
      expect((await store.removeOldRecords(100, 10, 0)).deliveries).toBe(3);
      expect(await store.hasDelivery("d2")).toBe(true);
      await store.close();
    });

    it("reads a delivery's payload text as recorded, null for an unknown id and once it is finished", async () => {
      const { store } = await open();
      const text = '{"ref":"refs/heads/main","note":"héllo 😀","n":[1,2.5,null]}';
      await store.recordDelivery({ id: "d1", event: "push", payload: text, receivedAt: 10 });
      await store.recordDelivery({ id: "d2", event: "push", payload: "{}", receivedAt: 11 });
      expect(await store.readDeliveryPayload("d1")).toBe(text);
      expect(await store.readDeliveryPayload("nope")).toBeNull();
      // claimed, then retried: still readable, a later attempt dispatches from it
      expect((await store.claimDeliveries("n", 100, 10, 1_000)).map((d) => Object.keys(d).sort())).toEqual([
        ["attempts", "event", "id", "receivedAt"],
        ["attempts", "event", "id", "receivedAt"],
      ]);
      await store.retryDeliveryLater("d1", 500, "GitHub answered 502");
      expect(await store.readDeliveryPayload("d1")).toBe(text);
      await store.finishDeliveries([{ id: "d1" }, { id: "d2", error: "gave up" }]);
      expect(await store.readDeliveryPayload("d1")).toBeNull();
      expect(await store.readDeliveryPayload("d2")).toBeNull();
      await store.close();
    });

    it("holds a delivery back until its retry time and counts attempts", async () => {
      const { store } = await open();
      await store.recordDelivery({ id: "d1", event: "push", payload: "{}", receivedAt: 10 });
      await store.claimDeliveries("n", 20, 10, 1_000);
      await store.retryDeliveryLater("d1", 500, "GitHub answered 502");
      expect(await store.claimDeliveries("n", 499, 10, 1_000)).toEqual([]);
      expect((await store.claimDeliveries("n", 500, 10, 1_000))[0]).toMatchObject({ id: "d1", attempts: 1 });
      await store.finishDeliveries([{ id: "d1", error: "gave up" }]);
      expect(await store.countPendingDeliveries()).toBe(0);
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

    it("adds runs idempotently per delivery and pipeline, keeping the first, and round-trips every field", async () => {
      const { store } = await open();
      const first = await store.addRuns([run("r1", "d1", "build"), run("r2", "d1", "deploy", { state: "waiting" })]);
      expect(first.map((r) => [r.id, r.state])).toEqual([["r1", "queued"], ["r2", "waiting"]]);
      expect(ids(await store.addRuns([run("r3", "d1", "build")]))).toEqual(["r1", "r2"]);
      expect(await store.getRun("r3")).toBe(null);
      expect(await store.getRun("r1")).toEqual(run("r1", "d1", "build"));
      expect(ids(await store.runsOfDelivery("d1"))).toEqual(["r1", "r2"]);
      await store.close();
    });

    it("finds runs by repository, commit, ref, pipeline and state, oldest first", async () => {
      const { store } = await open();
      const other = { ...run("x", "x", "x").push, sha: "b".repeat(40), ref: "refs/heads/dev" };
      await store.addRuns([
        run("r1", "d1", "build", { createdAt: 3 }),
        run("r2", "d2", "build", { createdAt: 1, push: other }),
        run("r3", "d2", "deploy", { createdAt: 2, push: other, state: "completed" }),
        run("r4", "d3", "build", { createdAt: 4, push: { ...other, repo: "elsewhere" } }),
      ]);
      expect(ids(await store.findRuns({ owner: "octo", repo: "app" }))).toEqual(["r2", "r3", "r1"]);
      expect(ids(await store.findRuns({ owner: "octo", repo: "app", sha: "b".repeat(40) }))).toEqual(["r2", "r3"]);
      expect(ids(await store.findRuns({ owner: "octo", repo: "app", ref: "refs/heads/dev", pipeline: "build" }))).toEqual(["r2"]);
      expect(ids(await store.findRuns({ owner: "octo", repo: "app", states: ["queued", "running"] }))).toEqual(["r2", "r1"]);
      expect(ids(await store.runsInState("completed"))).toEqual(["r3"]);
      await store.close();
    });

    it("updates a run only from the expected states, bumping its version unless told not to", async () => {
      const { store } = await open();
      await store.addRuns([run("r1", "d1", "build")]);
      expect(await store.updateRun("r1", ["waiting"], { state: "running" })).toBe(null);
      const running = await store.updateRun("r1", ["queued"], { state: "running", startedAt: 50, attempt: 1, nodeId: "host:1", pid: 4242 });
      expect(running).toMatchObject({ state: "running", startedAt: 50, attempt: 1, nodeId: "host:1", pid: 4242, version: 2 });
      expect(await store.updateRun("r1", ["queued"], { state: "running" })).toBe(null);
      const progress = [{ name: "s", conclusion: "success" as const, exitCode: 0, durationMs: 5 }];
      expect(await store.updateRun("r1", [], { progress, pid: null })).toMatchObject({ progress, pid: null, version: 3 });
      expect(await store.updateRun("r1", [], { checkRunId: 99 }, { report: false })).toMatchObject({ checkRunId: 99, version: 3 });
      // failedStep: what an older gantry stored with a result; such records still read back whole
      const result = { conclusion: "failure" as const, steps: progress, durationMs: 5, failedStep: 0, reason: "exited with code 2" };
      const done = await store.updateRun("r1", ["running"], { state: "completed", result, completedAt: 60, cancelRequested: "superseded" });
      expect(done).toMatchObject({ state: "completed", startedAt: 50, completedAt: 60, result, cancelRequested: "superseded", version: 4 });
      expect(await store.getRun("r1")).toEqual(done);
      expect(await store.updateRun("missing", [], { state: "queued" })).toBe(null);
      await store.close();
    });

    it("keeps why a queued run waits, reports a change of it, and forgets it when cleared", async () => {
      const { store, reopen } = await open();
      await store.addRuns([run("r1", "d1", "build"), run("r2", "d1", "deploy", { waiting: "Waiting for disk space: 😀" })]);
      expect(await store.getRun("r1")).not.toHaveProperty("waiting");
      expect((await store.getRun("r2"))?.waiting).toBe("Waiting for disk space: 😀");
      const waiting = await store.updateRun("r1", ["queued"], { waiting: "Waiting for disk space: /data has 1.0 GB free" });
      expect(waiting).toMatchObject({ waiting: "Waiting for disk space: /data has 1.0 GB free", version: 2 });
      expect((await (await reopen()).getRun("r1"))?.waiting).toBe("Waiting for disk space: /data has 1.0 GB free");
      const taken = await store.updateRun("r1", ["queued"], { state: "running", waiting: null });
      expect(taken).toMatchObject({ state: "running", version: 3 });
      expect(taken).not.toHaveProperty("waiting");
      expect(await store.getRun("r1")).toEqual(taken);
      await store.close();
    });

    it("leases unsynced runs: completed at once, others after notBefore; markSynced and syncFailed end the lease", async () => {
      const { store } = await open();
      await store.addRuns([run("r1", "d1", "build", { createdAt: 1 }), run("r2", "d1", "deploy", { createdAt: 2 })]);
      const claimed = await store.claimUnsynced("n1", 100, 10, 1_000);
      expect(ids(claimed)).toEqual(["r1", "r2"]);
      expect(await store.claimUnsynced("n2", 100, 10, 1_000)).toEqual([]);
      await store.markSynced("r1", claimed[0]!.version, { checkRunId: 7, notBefore: 5_000 });
      expect(await store.getRun("r1")).toMatchObject({ checkRunId: 7, syncedVersion: 1 });
      await store.syncFailed("r2", 3_000);
      expect(await store.claimUnsynced("n2", 2_999, 10, 1_000)).toEqual([]);
      expect(ids(await store.claimUnsynced("n2", 3_000, 10, 1_000))).toEqual(["r2"]);
      await store.markSynced("r2", 1, { notBefore: 0 });
      // a progress update of r1 waits for notBefore; its completion does not
      await store.updateRun("r1", [], { state: "running" });
      expect(await store.claimUnsynced("n3", 4_000, 10, 1_000)).toEqual([]);
      await store.updateRun("r1", [], { state: "completed" });
      const final = await store.claimUnsynced("n3", 4_000, 10, 1_000);
      expect(final.map((r) => [r.id, r.version, r.syncedVersion])).toEqual([["r1", 3, 1]]);
      // a report of an older version never moves syncedVersion back
      await store.markSynced("r1", 3, { notBefore: 0 });
      await store.markSynced("r1", 2, { notBefore: 0 });
      expect((await store.getRun("r1"))?.syncedVersion).toBe(3);
      expect(await store.claimUnsynced("n3", 9_000, 10, 1_000).then(ids)).toEqual([]);
      // a lease that is never ended lapses
      await store.updateRun("r1", [], { progress: [] });
      expect(ids(await store.claimUnsynced("n4", 9_000, 10, 1_000))).toEqual(["r1"]);
      expect(ids(await store.claimUnsynced("n5", 10_001, 10, 1_000))).toEqual(["r1"]);
      await store.close();
    });

    it("records how many annotations a check run has without reporting a change, and keeps the count through syncs", async () => {
      const { store } = await open();
      const result = { conclusion: "failure" as const, steps: [], durationMs: 5, annotations: [{ path: "src/a.ts", line: 1, message: "x" }] };
      await store.addRuns([run("r1", "d1", "build", { state: "completed", result, completedAt: 5 })]);
      const [claimed] = await store.claimUnsynced("n1", 100, 10, 1_000);
      expect(claimed).toMatchObject({ annotationsSent: 0, version: 1 });
      // between two batches: the lease holder records progress, and the run stays due
      expect(await store.updateRun("r1", [], { checkRunId: 7, annotationsSent: 50 }, { report: false })).toMatchObject({ checkRunId: 7, annotationsSent: 50, version: 1 });
      await store.syncFailed("r1", 200);
      const [again] = await store.claimUnsynced("n2", 200, 10, 1_000);
      expect(again).toMatchObject({ checkRunId: 7, annotationsSent: 50, version: 1, syncedVersion: 0 });
      await store.updateRun("r1", [], { annotationsSent: 120 }, { report: false });
      await store.markSynced("r1", 1, { checkRunId: 7, notBefore: 0 });
      // a later change of the run (a new version to report) keeps what GitHub has
      const changed = await store.updateRun("r1", [], { cancelRequested: "late" });
      expect(changed).toMatchObject({ annotationsSent: 120, version: 2, syncedVersion: 1 });
      expect(await store.claimUnsynced("n3", 300, 10, 1_000)).toEqual([changed]);
      expect(await store.getRun("r1")).toEqual(changed);
      // a run is added with what it says
      await store.addRuns([run("r2", "d2", "build", { annotationsSent: 3 })]);
      expect((await store.getRun("r2"))?.annotationsSent).toBe(3);
      await store.close();
    });

    it("renews only the sync leases its owner still holds, so a live syncer keeps them and a dead one's lapse", async () => {
      const { store } = await open();
      await store.addRuns([run("r1", "d1", "build", { createdAt: 1 }), run("r2", "d1", "deploy", { createdAt: 2 }), run("r3", "d1", "test", { createdAt: 3 })]);
      expect(ids(await store.claimUnsynced("n1", 100, 2, 1_000))).toEqual(["r1", "r2"]);
      expect(ids(await store.claimUnsynced("n2", 100, 10, 1_000))).toEqual(["r3"]);
      await store.markSynced("r2", 1, { notBefore: 0 });
      expect(await store.renewSyncLeases("n1", ["r1", "r2", "r3"], 900, 1_000)).toEqual(["r1"]);
      expect(await store.renewSyncLeases("n1", [], 900, 1_000)).toEqual([]);
      // r2 changes again: the renewal did not give its ended lease back to n1
      await store.updateRun("r2", [], { state: "completed" });
      expect(ids(await store.claimUnsynced("n3", 1_500, 10, 1_000))).toEqual(["r2", "r3"]);
      expect(await store.renewSyncLeases("n2", ["r3"], 1_500, 1_000)).toEqual([]);
      await store.syncFailed("r3", 5_000);
      expect(await store.renewSyncLeases("n3", ["r2", "r3"], 1_600, 1_000)).toEqual(["r2"]);
      expect(ids(await store.claimUnsynced("n4", 1_901, 10, 1_000))).toEqual(["r1"]);
      await store.close();
    });

    it("grants a lock to one owner at a time, re-entrantly, until it lapses or is released", async () => {
      const { store } = await open();
      expect(await store.acquireLock("group:1:deploy", "r1", 100, 1_000)).toBe(true);
      expect(await store.acquireLock("group:1:deploy", "r2", 500, 1_000)).toBe(false);
      expect(await store.acquireLock("group:1:deploy", "r1", 900, 1_000)).toBe(true);
      expect(await store.acquireLock("group:1:deploy", "r2", 1_500, 1_000)).toBe(false);
      expect(await store.acquireLock("group:1:deploy", "r2", 1_901, 1_000)).toBe(true);
      await store.releaseLock("group:1:deploy", "r1");
      expect(await store.acquireLock("group:1:deploy", "r3", 2_000, 1_000)).toBe(false);
      await store.releaseLock("group:1:deploy", "r2");
      expect(await store.acquireLock("group:1:deploy", "r3", 2_000, 1_000)).toBe(true);
      expect(await store.acquireLock("group:1:other", "r1", 2_000, 1_000)).toBe(true);
      await store.close();
    });

    it("removes old finished deliveries and old completed runs in bounded steps, keeping recent, pending and live ones", async () => {
      const { store, reopen } = await open();
      const done = { state: "completed" as const, result: { conclusion: "success" as const, steps: [], durationMs: 1 } };
      for (const [id, receivedAt] of [["old-done", 10], ["old-failed", 11], ["old-pending", 12], ["new-done", 500]] as const) {
        await store.recordDelivery({ id, event: "push", payload: "{}", receivedAt });
      }
      await store.finishDeliveries([{ id: "old-done" }]);
      await store.finishDeliveries([{ id: "old-failed", error: "boom" }]);
      await store.finishDeliveries([{ id: "new-done" }]);
      await store.addRuns([
        // five old completed runs of one finished delivery: more than one step's limit of 2
        ...[1, 2, 3, 4, 5].map((n) => run(`old-${n}`, "d-old", `p${n}`, { ...done, createdAt: n, completedAt: 20 + n })),
        // created long ago, completed only recently
        run("slow", "d-slow", "build", { ...done, createdAt: 1, completedAt: 600 }),
        run("queued", "d-queued", "build", { createdAt: 1 }),
        run("running", "d-running", "build", { createdAt: 1, state: "running", startedAt: 2 }),
        run("waiting-old", "d-wait", "build", { createdAt: 1, state: "waiting" }),
        // old and completed, but its delivery's waiting run may still need it
        run("needed", "d-wait", "test", { ...done, createdAt: 1, completedAt: 30 }),
        run("recent", "d-recent", "build", { ...done, createdAt: 400, completedAt: 450 }),
      ]);

      const removedRuns: string[] = [];
      let deliveries = 0;
      let cursor: number | null = 0;
      let steps = 0;
      while (cursor !== null) {
        const step = await store.removeOldRecords(100, 2, cursor);
        expect(step.runIds.length).toBeLessThanOrEqual(2);
        expect(step.deliveries).toBeLessThanOrEqual(2);
        removedRuns.push(...step.runIds);
        deliveries += step.deliveries;
        cursor = step.cursor;
        expect(++steps).toBeLessThan(20);
      }
      expect(steps).toBeGreaterThan(2);
      expect(removedRuns.sort()).toEqual(["old-1", "old-2", "old-3", "old-4", "old-5"]);
      expect(deliveries).toBe(2);

      const other = await reopen();
      for (const id of removedRuns) expect(await other.getRun(id)).toBe(null);
      for (const id of ["slow", "queued", "running", "waiting-old", "needed", "recent"]) expect((await other.getRun(id))?.id).toBe(id);
      expect(await other.runsOfDelivery("d-old")).toEqual([]);
      expect((await other.findRuns({ owner: "octo", repo: "app" })).map((r) => r.id).sort()).toEqual(
        ["needed", "queued", "recent", "running", "slow", "waiting-old"],
      );
      expect((await other.runsInState("completed")).map((r) => r.id).sort()).toEqual(["needed", "recent", "slow"]);
      expect(await other.hasDelivery("old-done")).toBe(false);
      expect(await other.hasDelivery("old-failed")).toBe(false);
      expect(await other.hasDelivery("old-pending")).toBe(true);
      expect(await other.hasDelivery("new-done")).toBe(true);
      expect(await other.countPendingDeliveries()).toBe(1);
      // an old run's delivery and pipeline are free again, as for a run that never was
      expect((await other.addRuns([run("again", "d-old", "p1", { createdAt: 700 })])).map((r) => r.id)).toEqual(["again"]);

      // once the waiting run is over, the run it needed goes too; nothing else changes
      await other.updateRun("waiting-old", ["waiting"], { state: "completed", completedAt: 40 });
      let after: Awaited<ReturnType<Store["removeOldRecords"]>> = { deliveries: 0, runIds: [], cursor: 0 };
      const later: string[] = [];
      while (after.cursor !== null) {
        after = await other.removeOldRecords(100, 2, after.cursor);
        later.push(...after.runIds);
      }
      expect(later.sort()).toEqual(["needed", "waiting-old"]);
      await other.close();
      await store.close();
    });

    it("keeps meta values", async () => {
      const { store } = await open();
      expect(await store.getMeta("lastSweep")).toBe(null);
      await store.setMeta("lastSweep", "123");
      await store.setMeta("lastSweep", "456");
      expect(await store.getMeta("lastSweep")).toBe("456");
      await store.close();
    });

    it("shows one handle's writes to another", async () => {
      const { store, reopen } = await open();
      await store.recordDelivery({ id: "d1", event: "push", payload: "{}", receivedAt: 10 });
      await store.addRuns([run("r1", "d1", "build")]);
      const other = await reopen();
      expect((await other.claimDeliveries("n", 100, 10, 1_000)).map((d) => d.id)).toEqual(["d1"]);
      expect((await other.getRun("r1"))?.pipeline.name).toBe("build");
      await other.updateRun("r1", [], { state: "running" });
      expect((await store.getRun("r1"))?.state).toBe("running");
      await other.close();
      await store.close();
    });
  });
}
