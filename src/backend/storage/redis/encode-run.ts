import type { RunRecord } from "../../../runs/run-types.js";
import { OPTIONAL_RUN_FIELDS, RUN_FIELDS } from "./run-fields.js";

/**
 * A run as the ARGV group runScripts.add expects. RunRecord fields are stored as JSON (so numbers, nulls and
 * nested objects come back as they were); the `_` fields are plain strings the Lua scripts filter and
 * lease on: `_state`, `_repo` (owner/repo), `_sha`, `_ref`, `_pipeline`, `_syncNotBefore`, `_syncLeaseOwner`,
 * `_syncLeaseUntil`. `_seq`, the insertion order, is added by the script.
 */
export function encodeRun(run: RunRecord): string[] {
  const fields: string[] = [];
  for (const field of RUN_FIELDS) {
    const value: unknown = run[field];
    if (value === undefined && OPTIONAL_RUN_FIELDS.has(field)) continue;
    if (value === undefined) throw new Error(`gantry: run "${run.id}" has no ${field}; RedisStore stores complete runs only`);
    fields.push(field, JSON.stringify(value));
  }
  const repo = `${run.push.owner}/${run.push.repo}`;
  fields.push("_state", run.state, "_repo", repo, "_sha", run.push.sha, "_ref", run.push.ref, "_pipeline", run.pipeline.name);
  fields.push("_syncNotBefore", "0", "_syncLeaseOwner", "", "_syncLeaseUntil", "0");
  const unsynced = run.syncedVersion < run.version ? "1" : "0";
  return [run.id, run.deliveryId, run.pipeline.name, String(run.createdAt), run.state, repo, unsynced, String(fields.length), ...fields];
}
