import { supersedeRuns } from "../runs/supersede-runs.js";
import type { RunRecord } from "../runs/run-types.js";
import type { RunDeps } from "../runs/run-deps.js";

/**
 * Records new runs and sets them going: older runs they supersede are cancelled, the syncer is woken to show
 * every run on the commit, and the queued ones go to the queue. Safe to repeat for the same delivery.
 */
export async function startRuns(deps: RunDeps, records: RunRecord[]): Promise<RunRecord[]> {
  if (records.length === 0) return [];
  const runs = await deps.store.addRuns(records);
  await supersedeRuns(deps.store, runs);
  deps.wakeSyncer();
  for (const run of runs) {
    if (run.state === "queued") await deps.queue.enqueue(run.id);
  }
  return runs;
}
