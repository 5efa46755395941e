import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cancelRun } from "../../src/runs/cancel-run.js";
import type { RunRecord } from "../../src/runs/run-types.js";
import { run } from "../backend/storage/store-contract.js";
import { openTempStore } from "../helpers/temp-store.js";

let temp: ReturnType<typeof openTempStore>;
beforeEach(() => (temp = openTempStore()));
afterEach(() => temp.close());

const twoSteps = (id: string, overrides: Partial<RunRecord>) => {
  const base = run(id, "d1", "build", overrides);
  return { ...base, pipeline: { ...base.pipeline, steps: [{ name: "one", run: "true", timeoutMs: 1 }, { name: "two", run: "true", timeoutMs: 1 }] } };
};

describe("cancelRun", () => {
  it.each(["waiting", "queued"] as const)("concludes a %s run cancelled at once, every step skipped, for GitHub to see", async (state) => {
    const [added] = await temp.store.addRuns([twoSteps("r1", { state })]);
    const after = await cancelRun(temp.store, added!, "Requested by @mona.");
    expect(after).toMatchObject({ state: "completed", cancelRequested: "Requested by @mona.", version: added!.version + 1 });
    expect(after!.completedAt).toBeGreaterThan(0);
    expect(after!.result).toEqual({
      conclusion: "cancelled",
      reason: "Requested by @mona.",
      steps: [
        { name: "one", conclusion: "skipped", exitCode: null, durationMs: null },
        { name: "two", conclusion: "skipped", exitCode: null, durationMs: null },
      ],
      durationMs: null,
    });
    expect(await temp.store.getRun("r1")).toEqual(after);
  });

  it("only marks a running run, for its worker to stop; GitHub hears of it when the worker concludes it", async () => {
    const [added] = await temp.store.addRuns([twoSteps("r1", { state: "running", startedAt: 5 })]);
    const after = await cancelRun(temp.store, added!, "Superseded.");
    expect(after).toMatchObject({ state: "running", cancelRequested: "Superseded.", result: null, completedAt: null, version: added!.version });
  });

  it("leaves a completed run as it was and says so with null", async () => {
    const result = { conclusion: "success" as const, steps: [], durationMs: 3 };
    const [added] = await temp.store.addRuns([twoSteps("r1", { state: "completed", result, completedAt: 4 })]);
    expect(await cancelRun(temp.store, added!, "too late")).toBeNull();
    expect(await temp.store.getRun("r1")).toMatchObject({ state: "completed", result, cancelRequested: null });
  });
});
