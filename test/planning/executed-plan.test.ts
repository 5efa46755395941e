import { describe, expect, it } from "vitest";
import { executedPlan } from "../../src/planning/executed-plan.js";

describe("executedPlan", () => {
  it("checks the commit out as step 0, within the pipeline's timeout, then runs the config's steps in order", () => {
    const steps = [
      { name: "Install", run: "npm ci", timeoutMs: 60_000 },
      { name: "Test", run: "npm test", timeoutMs: 30_000 },
    ];
    expect(executedPlan({ timeoutMs: 600_000, steps })).toEqual([
      { kind: "checkout", name: "Checkout", timeoutMs: 600_000 },
      { kind: "run", name: "Install", run: "npm ci", timeoutMs: 60_000 },
      { kind: "run", name: "Test", run: "npm test", timeoutMs: 30_000 },
    ]);
  });

  it("still checks out for a pipeline without steps", () => {
    expect(executedPlan({ timeoutMs: 1_000, steps: [] })).toEqual([{ kind: "checkout", name: "Checkout", timeoutMs: 1_000 }]);
  });

  it("with caches, restores them right after the checkout and saves them after the last step", () => {
    const steps = [{ name: "Test", run: "npm test", timeoutMs: 30_000 }];
    const cache = [{ key: "k", restoreKeys: [], paths: ["node_modules"] }];
    expect(executedPlan({ timeoutMs: 600_000, steps, cache })).toEqual([
      { kind: "checkout", name: "Checkout", timeoutMs: 600_000 },
      { kind: "restore-caches", name: "Restore caches", timeoutMs: 600_000 },
      { kind: "run", name: "Test", run: "npm test", timeoutMs: 30_000 },
      { kind: "save-caches", name: "Save caches", timeoutMs: 600_000 },
    ]);
    expect(executedPlan({ timeoutMs: 1_000, steps, cache: [] })).toHaveLength(2);
  });
});
