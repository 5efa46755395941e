import type { EmitterWebhookEvent } from "@octokit/webhooks";
import { cancelRun } from "../runs/cancel-run.js";
import { newRun } from "../runs/new-run.js";
import type { RunRecord } from "../runs/run-types.js";
import type { ClaimedDelivery } from "../backend/storage/store.js";
import { mayTriggerRuns } from "./check-permission.js";
import type { RunDeps } from "../runs/run-deps.js";
import { fetchConfig } from "./fetch-config.js";
import { planRuns } from "./plan-runs.js";
import { startRuns } from "./start-runs.js";

type CheckRunPayload = EmitterWebhookEvent<"check_run">["payload"];
type CheckSuitePayload = EmitterWebhookEvent<"check_suite">["payload"];

/**
 * The Checks tab's buttons: "Re-run" and "Cancel" on one of gantry's check runs (`check_run.requested_action`,
 * `check_run.rerequested`), and "Re-run all" (`check_suite.rerequested`). Only users with write access count.
 */
export async function dispatchCheckEvent(deps: RunDeps, delivery: ClaimedDelivery, parsed: unknown): Promise<string> {
  const payload = parsed as CheckRunPayload | CheckSuitePayload;
  const installationId = payload.installation?.id;
  if (installationId === undefined) return "no installation in the payload";
  const owner = payload.repository.owner.login;
  const repo = payload.repository.name;
  const octokit = await deps.github.octokit(installationId);

  // 1. Only someone who could push may make gantry run (or stop) code.
  if (!(await mayTriggerRuns(octokit, owner, repo, payload.sender.login))) {
    deps.log.warn({ delivery: delivery.id, sender: payload.sender.login, repository: `${owner}/${repo}` }, "ignored: sender lacks write access");
    return `ignored: ${payload.sender.login} lacks write access`;
  }

  // 2. Re-run every pipeline of a commit: plan again from its config, as a new push of the same commit.
  if ("check_suite" in payload) {
    const known = await deps.store.findRuns({ owner, repo, sha: payload.check_suite.head_sha });
    const latest = known.at(-1);
    if (!latest) return "no gantry run known for this commit";
    const text = await fetchConfig(octokit, latest.push);
    if (text === null) return "the commit has no config any more";
    const runs = await startRuns(deps, planRuns(delivery.id, latest.push, text));
    return `re-ran ${runs.length} pipeline(s) of ${payload.check_suite.head_sha}`;
  }

  // 3. One check run: find gantry's run behind it, then re-run or cancel it.
  const runId = payload.check_run.external_id;
  const run = runId ? await deps.store.getRun(runId) : null;
  // the check run must be the repository's own: an id from elsewhere never acts across repositories
  if (!run || run.push.owner.toLowerCase() !== owner.toLowerCase() || run.push.repo.toLowerCase() !== repo.toLowerCase()) {
    return "not a gantry check run of this repository";
  }
  const action = payload.action === "requested_action" ? payload.requested_action?.identifier : "rerun";
  if (action === "cancel") {
    const after = await cancelRun(deps.store, run, `Requested by @${payload.sender.login}.`);
    deps.wakeSyncer();
    return after ? `cancel requested for ${run.id}` : `${run.id} had already finished`;
  }
  if (action === "rerun") {
    const [again] = await startRuns(deps, [rerunOf(run, delivery.id)]);
    return `re-ran ${run.pipeline.name} as ${again?.id}`;
  }
  return `unknown action ${JSON.stringify(action)}`;
}

/** A re-run is a new run (and check run) of the same pipeline on the same commit; it does not wait for needs. */
function rerunOf(run: RunRecord, deliveryId: string): RunRecord {
  return newRun(deliveryId, run.push, { ...run.pipeline, action: "run", needs: [] });
}
