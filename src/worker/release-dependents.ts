import { publishRuns, type PublishDeps } from "../dispatch/publish-runs.js";
import type { RunRecord } from "../storage/run-types.js";
import { completeCheckRun } from "../reporting/check-run.js";
import { toCheckRunOutput } from "../reporting/to-check-run-output.js";

/**
 * After a run completes, the runs of the same push that waited on it start when all their needs succeeded,
 * and are skipped (with the reason on their check run) as soon as one need did not.
 */
export async function releaseDependents(deps: PublishDeps, completed: RunRecord): Promise<void> {
  const runs = await deps.store.runsOfDelivery(completed.deliveryId);
  const byName = new Map(runs.map((run) => [run.pipeline.name, run]));
  for (const run of runs) {
    if (run.state !== "waiting" || !run.pipeline.needs.includes(completed.pipeline.name)) continue;
    const needs = run.pipeline.needs.map((name) => byName.get(name));
    const failed = needs.find((need) => need && need.state === "completed" && need.result?.conclusion !== "success");
    if (failed) {
      const result = {
        conclusion: "skipped" as const,
        reason: `needs \`${failed.pipeline.name}\`, which concluded ${failed.result?.conclusion ?? "without a result"}.`,
        steps: [],
        durationMs: null,
      };
      if (await deps.store.transitionRun(run.id, ["waiting"], "completed", { result })) {
        const skipped = (await deps.store.getRun(run.id))!;
        const octokit = await deps.github.octokit(skipped.push.installationId);
        await completeCheckRun({ octokit, run: skipped }, toCheckRunOutput(skipped, { logTail: "" }));
        await releaseDependents(deps, skipped);
      }
    } else if (needs.every((need) => need?.state === "completed")) {
      if (await deps.store.transitionRun(run.id, ["waiting"], "queued")) {
        await publishRuns(deps, [(await deps.store.getRun(run.id))!]);
      }
    }
  }
}
