import type { Conclusion, StepRecord } from "./run-types.js";

/**
 * The step that ended a run that failed, timed out or was cancelled: the first with the run's own conclusion
 * (the steps before it succeeded, the ones after it were skipped); a failed checkout is step 0. None when the
 * run ended outside its steps (a config error, a run that never started) or did not fail.
 */
export function findFailedStep(result: { conclusion: Conclusion; steps: readonly StepRecord[] }): StepRecord | undefined {
  if (result.conclusion === "success" || result.conclusion === "skipped") return undefined;
  return result.steps.find((step) => step.conclusion === result.conclusion);
}
