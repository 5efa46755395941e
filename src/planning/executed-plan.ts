import type { PlannedPipeline, PlannedStep } from "./plan-types.js";

/** One step of what a run executes: the checkout of the pushed commit, or a step of the config. */
export type ExecutedStep = { kind: "checkout"; name: string; timeoutMs: number } | ({ kind: "run" } & PlannedStep);

/**
 * The steps a run executes, in order: step 0 checks the pushed commit out (within the pipeline's timeout), then the
 * pipeline's own steps. The worker, `gantry run` and the in-progress check run all read this one list.
 */
export function executedPlan(pipeline: Pick<PlannedPipeline, "steps" | "timeoutMs">): ExecutedStep[] {
  return [{ kind: "checkout", name: "Checkout", timeoutMs: pipeline.timeoutMs }, ...pipeline.steps.map((step) => ({ kind: "run" as const, ...step }))];
}
