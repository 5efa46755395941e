import { randomUUID } from "node:crypto";
import { formatConfigError, parseConfig, type ConfigError } from "../config/parse-config.js";
import { planPush } from "../planning/plan-push.js";
import type { PlannedPipeline } from "../planning/plan-types.js";
import { pushFactsFromPayload } from "../planning/push-facts.js";
import type { PushContext, RunRecord } from "../storage/run-types.js";
import type { Delivery } from "../storage/store.js";
import { fetchConfig, CONFIG_PATH } from "./fetch-config.js";
import { publishRuns, type PublishDeps } from "./publish-runs.js";
import { pushContextFromPayload, type PushPayload } from "./push-context.js";

/** GitHub's redelivery window: the same push seen again within it is the same push. */
const PUSH_WINDOW_MS = 3 * 24 * 60 * 60 * 1000;

/** From a recorded push delivery to check runs on the commit and runs in the queue. */
export async function dispatchPush(deps: PublishDeps, delivery: Delivery): Promise<string> {
  const payload = JSON.parse(delivery.payload) as PushPayload;
  const installationId = payload.installation?.id;
  if (installationId === undefined) return "no installation in the payload";

  // 1. A deleted ref has no commit to build.
  if (payload.deleted) return "ref deleted";

  // 2. A push is built once, whichever delivery (or redelivery) brings it.
  const pushKey = `${payload.repository.id}:${payload.ref}:${payload.after}`;
  if (!(await deps.store.claimPush(pushKey, delivery.id, Date.now(), PUSH_WINDOW_MS))) {
    return "push already dispatched by another delivery";
  }

  // 3. Runs recorded by an earlier attempt of this delivery are published again, not planned again.
  let runs = await deps.store.runsOfDelivery(delivery.id);
  if (runs.length === 0) {
    const push = pushContextFromPayload(payload, installationId);
    const octokit = await deps.github.octokit(installationId);
    const text = await fetchConfig(octokit, push);
    if (text === null) return `no ${CONFIG_PATH} at ${push.sha}`;
    const parsed = parseConfig(text, CONFIG_PATH);
    const planned = parsed.ok ? planPush(pushFactsFromPayload(payload), parsed.config).pipelines : null;
    const records = planned
      ? planned.map((pipeline) => newRun(delivery.id, push, pipeline))
      : [configErrorRun(delivery.id, push, parsed.ok ? [] : parsed.errors)];
    runs = await deps.store.addRuns(records);
  }

  // 4. Show every run on the commit, then queue those that can start now.
  await publishRuns(deps, runs);
  return `${runs.length} pipeline(s) planned`;
}

function newRun(deliveryId: string, push: PushContext, pipeline: PlannedPipeline): RunRecord {
  const now = Date.now();
  const skipped = pipeline.action === "skip";
  return {
    id: randomUUID(),
    deliveryId,
    pipeline,
    push,
    state: skipped ? "completed" : pipeline.needs.length > 0 ? "waiting" : "queued",
    checkRunId: null,
    result: skipped
      ? { conclusion: "skipped", reason: pipeline.reason ?? "skipped", steps: [], durationMs: null }
      : null,
    createdAt: now,
    startedAt: null,
    completedAt: skipped ? now : null,
  };
}

/** A broken config still gets a check run, so the author sees what is wrong on the commit. */
function configErrorRun(deliveryId: string, push: PushContext, errors: ConfigError[]): RunRecord {
  const pipeline: PlannedPipeline = { name: "gantry", action: "skip", needs: [], timeoutMs: 0, env: {}, steps: [] };
  const now = Date.now();
  return {
    ...newRun(deliveryId, push, pipeline),
    state: "completed",
    result: {
      conclusion: "failure",
      reason: `${CONFIG_PATH} is not valid:\n${errors.map(formatConfigError).join("\n")}`,
      annotations: errors.map((e) => ({ path: e.file, line: e.line, column: e.column, message: `${e.path ? `${e.path}: ` : ""}${e.message}` })),
      steps: [],
      durationMs: null,
    },
    completedAt: now,
  };
}
