import { describe, expect, it } from "vitest";
import type { PlannedPipeline } from "../../src/planning/plan-types.js";
import { completedRun, newRun } from "../../src/runs/new-run.js";
import { run } from "../backend/storage/store-contract.js";

const { push, pipeline } = run("x", "d", "build");
const planned = (overrides: Partial<PlannedPipeline>): PlannedPipeline => ({ ...pipeline, ...overrides });

describe("newRun", () => {
  it("queues a pipeline without needs, to be created on GitHub by the syncer (version 1, synced 0)", () => {
    const fresh = newRun("d1", push, planned({}), 123);
    expect(fresh).toMatchObject({ deliveryId: "d1", state: "queued", result: null, createdAt: 123, completedAt: null, version: 1, syncedVersion: 0, checkRunId: null, attempt: 0 });
    expect(fresh.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(newRun("d1", push, planned({}), 123).id).not.toBe(fresh.id);
  });

  it("makes a pipeline with needs wait", () => {
    expect(newRun("d1", push, planned({ needs: ["build"] }), 5).state).toBe("waiting");
  });

  it("gives birth to a skipped pipeline completed, with its reason or a default one", () => {
    const skipped = newRun("d1", push, planned({ action: "skip", reason: "[skip ci] in the commit message", needs: ["build"] }), 7);
    expect(skipped).toMatchObject({ state: "completed", completedAt: 7, result: { conclusion: "skipped", reason: "[skip ci] in the commit message", steps: [] } });
    expect(newRun("d1", push, planned({ action: "skip" }), 7).result?.reason).toBe("skipped");
  });

  it("completedRun is over before it started, with the given result", () => {
    const result = { conclusion: "failure" as const, reason: "broken config", steps: [], durationMs: null };
    expect(completedRun("d1", push, planned({}), result, 9)).toMatchObject({ state: "completed", completedAt: 9, result, version: 1, syncedVersion: 0 });
  });
});
