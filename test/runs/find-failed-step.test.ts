import { describe, expect, it } from "vitest";
import { findFailedStep } from "../../src/runs/find-failed-step.js";
import type { Conclusion, StepRecord } from "../../src/runs/run-types.js";

const step = (name: string, conclusion: Conclusion): StepRecord => ({ name, conclusion, exitCode: null, durationMs: null });

describe("findFailedStep", () => {
  it.each(["failure", "timed_out", "cancelled"] as const)("finds the step that ended a run that ended %s", (conclusion) => {
    const steps = [step("Install", "success"), step("Test", conclusion), step("Deploy", "skipped")];
    expect(findFailedStep({ conclusion, steps })).toBe(steps[1]);
  });

  it("finds none when the run succeeded or was skipped", () => {
    expect(findFailedStep({ conclusion: "success", steps: [step("Install", "success")] })).toBeUndefined();
    expect(findFailedStep({ conclusion: "skipped", steps: [step("Install", "skipped")] })).toBeUndefined();
  });

  it("finds none when the run ended outside its steps: a failed checkout, a config error", () => {
    expect(findFailedStep({ conclusion: "failure", steps: [step("Install", "skipped"), step("Test", "skipped")] })).toBeUndefined();
    expect(findFailedStep({ conclusion: "timed_out", steps: [] })).toBeUndefined();
  });
});
