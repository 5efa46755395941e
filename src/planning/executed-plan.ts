import type { PlannedPipeline, PlannedStep } from "./plan-types.js";

/** One step of what a run executes: the checkout of the pushed commit, gantry's cache steps, or a step of the config. */
export type ExecutedStep =
  | { kind: "checkout"; name: string; timeoutMs: number }
  | { kind: "restore-caches"; name: string; timeoutMs: number }
  | { kind: "save-caches"; name: string; timeoutMs: number }
  | ({ kind: "run" } & PlannedStep);

/**
 * The steps a run executes, in order: step 0 checks the pushed commit out (within the pipeline's timeout), then
 * with caches "Restore caches", then the pipeline's own steps, then "Save caches" (reached only when every step
 * before succeeded). The worker, `gantry run` and the in-progress check run all read this one list.
 */
export function executedPlan(pipeline: Pick<PlannedPipeline, "steps" | "timeoutMs" | "cache">): ExecutedStep[] {
  const caches = (pipeline.cache ?? []).length > 0;
  return [
    { kind: "checkout", name: "Checkout", timeoutMs: pipeline.timeoutMs },
    ...(caches ? [{ kind: "restore-caches" as const, name: "Restore caches", timeoutMs: pipeline.timeoutMs }] : []),
    ...pipeline.steps.map((step) => ({ kind: "run" as const, ...step })),
    ...(caches ? [{ kind: "save-caches" as const, name: "Save caches", timeoutMs: pipeline.timeoutMs }] : []),
  ];
}
