import type { ClaimedDelivery } from "../backend/storage/store.js";
import { REDELIVERY_WINDOW_MS } from "../github/redelivery-window.js";
import type { RunDeps } from "../runs/run-deps.js";
import { fetchConfig } from "./fetch-config.js";
import { CONFIG_PATH } from "../config/parse-config.js";
import { planRuns } from "./plan-runs.js";
import { pushContextFromPayload, type PushPayload } from "./push-context.js";
import { startRuns } from "./start-runs.js";

/** From a recorded push delivery to runs in the store and the queue. Returns what happened, for the log. */
export async function dispatchPush(deps: RunDeps, delivery: ClaimedDelivery, parsed: unknown): Promise<string> {
  const payload = parsed as PushPayload;
  const installationId = payload.installation?.id;
  if (installationId === undefined) return "no installation in the payload";

  // 1. A deleted ref has no commit to build.
  if (payload.deleted) return "ref deleted";

  // 2. A push is built once, whichever delivery (or redelivery) brings it.
  const pushKey = `${payload.repository.id}:${payload.ref}:${payload.after}`;
  if (!(await deps.store.claimPush(pushKey, delivery.id, Date.now(), REDELIVERY_WINDOW_MS))) {
    return "push already dispatched by another delivery";
  }

  // 3. Runs recorded by an earlier attempt of this delivery are started again, not planned again.
  const recorded = await deps.store.runsOfDelivery(delivery.id);
  if (recorded.length > 0) {
    await startRuns(deps, recorded);
    return `${recorded.length} pipeline(s) resumed`;
  }

  // 4. Plan from the config in the pushed commit; meanwhile the commit is fetched for the runs it may have.
  const push = pushContextFromPayload(payload, installationId);
  deps.prefetch?.(push);
  const text = await fetchConfig(await deps.github.octokit(installationId), push);
  if (text === null) return `no ${CONFIG_PATH} at ${push.sha}`;
  const runs = await startRuns(deps, planRuns(delivery.id, push, text));
  return `${runs.length} pipeline(s) planned`;
}
