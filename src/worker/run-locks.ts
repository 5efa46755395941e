import type { RunRecord } from "../runs/run-types.js";
import type { Store } from "../backend/storage/store.js";

/** Leases outlive a dead worker by this long at most; a live one renews them well before. */
export const LOCK_LEASE_MS = 60_000;

/** Names of the leases a run must hold while it runs: its deployment environment and its concurrency group. */
export function lockNames(run: RunRecord): string[] {
  const names: string[] = [];
  if (run.pipeline.environment) names.push(`environment:${run.push.owner}/${run.push.repo}:${run.pipeline.environment}`);
  if (run.pipeline.concurrency) names.push(`concurrency:${run.push.installationId}:${run.pipeline.concurrency}`);
  return names;
}

/** Takes (or renews) every lease of the run, or none: a partial set is given back. */
export async function acquireLocks(store: Store, run: RunRecord, now = Date.now()): Promise<boolean> {
  const held: string[] = [];
  for (const name of lockNames(run)) {
    if (!(await store.acquireLock(name, run.id, now, LOCK_LEASE_MS))) {
      for (const taken of held) await store.releaseLock(taken, run.id);
      return false;
    }
    held.push(name);
  }
  return true;
}

export async function releaseLocks(store: Store, run: RunRecord): Promise<void> {
  for (const name of lockNames(run)) await store.releaseLock(name, run.id);
}
