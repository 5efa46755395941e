import { CONFIG_PATH, formatConfigError, parseConfig, type ConfigError } from "../config/parse-config.js";
import { planPush } from "../planning/plan-push.js";
import type { PlannedPipeline } from "../planning/plan-types.js";
import { completedRun, newRun } from "../runs/new-run.js";
import type { PushContext, RunRecord } from "../runs/run-types.js";

/** The run records a push gets from its config: one per planned pipeline, or one failed `gantry` run for a broken config. */
export function planRuns(deliveryId: string, push: PushContext, configText: string): RunRecord[] {
  const parsed = parseConfig(configText, CONFIG_PATH);
  if (!parsed.ok) return [configErrorRun(deliveryId, push, parsed.errors)];
  const plan = planPush(
    { ref: push.ref, deleted: false, headCommitMessage: push.headCommit?.message ?? "", changedFiles: push.changedFiles },
    parsed.config,
  );
  return plan.pipelines.map((pipeline) => newRun(deliveryId, push, pipeline));
}

/** A broken config still gets a check run, so the author sees what is wrong on the commit. */
function configErrorRun(deliveryId: string, push: PushContext, errors: ConfigError[]): RunRecord {
  const pipeline: PlannedPipeline = {
    name: "gantry",
    action: "skip",
    needs: [],
    cancelSuperseded: false,
    environment: null,
    concurrency: null,
    timeoutMs: 0,
    env: {},
    steps: [],
  };
  return completedRun(deliveryId, push, pipeline, {
    conclusion: "failure",
    reason: `${CONFIG_PATH} is not valid:\n${errors.map(formatConfigError).join("\n")}`,
    annotations: errors.map((e) => ({ path: e.file, line: e.line, column: e.column, message: `${e.path ? `${e.path}: ` : ""}${e.message}` })),
    steps: [],
    durationMs: null,
  });
}
