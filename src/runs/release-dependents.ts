import type { JobQueue } from "../backend/queue/job-queue.js";
import { judgeNeeds } from "../planning/judge-needs.js";
import type { RunRecord } from "./run-types.js";
import type { Store } from "../backend/storage/store.js";

/**
 * After a run completes, the runs of the same delivery that waited on it are queued once all their needs
 * succeeded, and skipped (the reason on their check run) as soon as one did not. Safe to repeat.
 */
export async function releaseDependents(deps: { store: Store; queue: JobQueue }, completed: RunRecord): Promise<void> {
  const runs = await deps.store.runsOfDelivery(completed.deliveryId);
  const finished = new Map(runs.filter((run) => run.state === "completed").map((run) => [run.pipeline.name, run.result?.conclusion ?? null]));
  for (const run of runs) {
    if (!run.pipeline.needs.includes(completed.pipeline.name)) continue;
    // released before, by a node that died before it could queue the job (queueing a job twice does nothing)
    if (run.state === "queued") await deps.queue.enqueue(run.id);
    if (run.state !== "waiting") continue;
    const judged = judgeNeeds(run.pipeline.needs, finished);
    if (judged.verdict === "skip") {
      const reason = `needs \`${judged.need}\`, which concluded ${judged.conclusion ?? "without a result"}.`;
      const skipped = await deps.store.updateRun(run.id, ["waiting"], {
        state: "completed",
        completedAt: Date.now(),
        result: { conclusion: "skipped", reason, steps: [], durationMs: null },
      });
      if (skipped) await releaseDependents(deps, skipped);
    } else if (judged.verdict === "start") {
      if (await deps.store.updateRun(run.id, ["waiting"], { state: "queued" })) await deps.queue.enqueue(run.id);
    }
  }
}
