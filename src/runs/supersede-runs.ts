import type { RunRecord } from "./run-types.js";
import type { Store } from "../backend/storage/store.js";
import { cancelRun } from "./cancel-run.js";

/**
 * A newer push to a branch makes older runs of the same pipeline pointless: they are cancelled, naming the
 * newer commit. Deployments (pipelines with an environment) never lose a running run, but of those waiting
 * only the newest is kept, so an older commit is never deployed after a newer one.
 */
export async function supersedeRuns(store: Store, newer: RunRecord[]): Promise<RunRecord[]> {
  const cancelled: RunRecord[] = [];
  for (const run of newer) {
    const { pipeline, push } = run;
    if (!push.ref.startsWith("refs/heads/") || run.state === "completed") continue;
    if (!pipeline.environment && !pipeline.cancelSuperseded) continue;
    const states = pipeline.environment ? (["waiting", "queued"] as const) : (["waiting", "queued", "running"] as const);
    const older = await store.findRuns({ owner: push.owner, repo: push.repo, ref: push.ref, pipeline: pipeline.name, states: [...states] });
    for (const old of older) {
      if (old.id === run.id || old.push.sha === push.sha || old.createdAt > run.createdAt) continue;
      const reason = `Superseded by a newer push to ${push.ref.slice("refs/heads/".length)}: ${push.sha.slice(0, 7)}.`;
      const after = await cancelRun(store, old, reason);
      if (after) cancelled.push(after);
    }
  }
  return cancelled;
}
