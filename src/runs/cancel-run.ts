import type { RunRecord } from "./run-types.js";
import type { Store } from "../backend/storage/store.js";

/**
 * Stops a run for `reason`: one that has not started is concluded `cancelled` at once; a running one is marked,
 * and its worker (on whichever node) kills the process group and concludes it. Returns the run as it is now.
 */
export async function cancelRun(store: Store, run: RunRecord, reason: string): Promise<RunRecord | null> {
  const now = Date.now();
  const notStarted = await store.updateRun(run.id, ["waiting", "queued"], {
    state: "completed",
    completedAt: now,
    cancelRequested: reason,
    result: { conclusion: "cancelled", reason, steps: skippedSteps(run), durationMs: null },
  });
  if (notStarted) return notStarted;
  return store.updateRun(run.id, ["running"], { cancelRequested: reason }, { report: false });
}

function skippedSteps(run: RunRecord) {
  return run.pipeline.steps.map((step) => ({ name: step.name, conclusion: "skipped" as const, exitCode: null, durationMs: null }));
}
