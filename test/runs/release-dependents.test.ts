import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SqliteQueue } from "../../src/backend/queue/sqlite-queue.js";
import { releaseDependents } from "../../src/runs/release-dependents.js";
import type { Conclusion, RunRecord } from "../../src/runs/run-types.js";
import { run } from "../backend/storage/store-contract.js";
import { queuedJobs } from "../helpers/queued-jobs.js";
import { openTempStore } from "../helpers/temp-store.js";

let temp: ReturnType<typeof openTempStore>;
let queue: SqliteQueue;
beforeEach(() => {
  temp = openTempStore();
  queue = temp.openQueue();
});
afterEach(() => temp.close());

const waiting = (id: string, needs: string[], deliveryId = "d1") => {
  const base = run(id, deliveryId, id, { state: "waiting" });
  return { ...base, pipeline: { ...base.pipeline, needs } };
};

async function complete(id: string, conclusion: Conclusion): Promise<RunRecord> {
  const done = await temp.store.updateRun(id, [], { state: "completed", completedAt: 1, result: { conclusion, steps: [], durationMs: 1 } });
  return done!;
}

describe("releaseDependents", () => {
  it("queues a waiting run once every need succeeded, not before", async () => {
    await temp.store.addRuns([run("build", "d1", "build"), run("lint", "d1", "lint"), waiting("deploy", ["build", "lint"])]);
    await releaseDependents({ store: temp.store, queue }, await complete("build", "success"));
    expect((await temp.store.getRun("deploy"))?.state).toBe("waiting");
    await releaseDependents({ store: temp.store, queue }, await complete("lint", "success"));
    expect((await temp.store.getRun("deploy"))?.state).toBe("queued");
    // asked again (another node, a redelivery): the job is not doubled
    await releaseDependents({ store: temp.store, queue }, (await temp.store.getRun("lint"))!);
    expect(await queuedJobs(queue)).toEqual(["deploy"]);
  });

  it("skips a run whose need did not succeed, naming it, and what waited on that run in turn", async () => {
    await temp.store.addRuns([run("build", "d1", "build"), waiting("deploy", ["build"]), waiting("announce", ["deploy"])]);
    await releaseDependents({ store: temp.store, queue }, await complete("build", "timed_out"));
    expect((await temp.store.getRun("deploy"))?.result).toMatchObject({ conclusion: "skipped", reason: "needs `build`, which concluded timed_out." });
    expect((await temp.store.getRun("announce"))).toMatchObject({ state: "completed", result: { conclusion: "skipped", reason: "needs `deploy`, which concluded skipped." } });
    expect(await queuedJobs(queue)).toEqual([]);
  });

  it("skips at once on a failed need, without waiting for the others", async () => {
    await temp.store.addRuns([run("build", "d1", "build"), run("lint", "d1", "lint"), waiting("deploy", ["build", "lint"])]);
    await releaseDependents({ store: temp.store, queue }, await complete("lint", "failure"));
    expect((await temp.store.getRun("deploy"))?.result?.reason).toBe("needs `lint`, which concluded failure.");
  });

  it("queues again a run released before whose job was lost with its node", async () => {
    await temp.store.addRuns([run("build", "d1", "build"), { ...waiting("deploy", ["build"]), state: "queued" }]);
    await releaseDependents({ store: temp.store, queue }, await complete("build", "success"));
    expect(await queuedJobs(queue)).toEqual(["deploy"]);
  });

  it("leaves runs of other deliveries and runs that do not need the completed one", async () => {
    await temp.store.addRuns([run("build", "d1", "build"), waiting("other", ["lint"]), waiting("elsewhere", ["build"], "d2")]);
    await releaseDependents({ store: temp.store, queue }, await complete("build", "success"));
    expect((await temp.store.getRun("other"))?.state).toBe("waiting");
    expect((await temp.store.getRun("elsewhere"))?.state).toBe("waiting");
    expect(await queuedJobs(queue)).toEqual([]);
  });
});
