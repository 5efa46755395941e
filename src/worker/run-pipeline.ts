import { join } from "node:path";
import type { PublishDeps } from "../dispatch/publish-runs.js";
import { executePipeline, type PipelineOutcome } from "../execution/execute-pipeline.js";
import { LogFile } from "../execution/log-file.js";
import { buildStepEnv } from "../execution/step-env.js";
import { checkout, removeWorkspace } from "../execution/workspace.js";
import type { RunRecord, RunResult } from "../storage/run-types.js";
import { releaseDependents } from "./release-dependents.js";
import { reportCompleted, reportStarted } from "./report.js";

export interface WorkerDeps extends PublishDeps {
  dataDir: string;
  gitBaseUrl: string;
  passEnv: readonly string[];
  serverEnv: NodeJS.ProcessEnv;
}

/** Claim → check out → run steps → report → release what waited on it. Never throws for a failed build. */
export async function runPipeline(deps: WorkerDeps, runId: string): Promise<void> {
  // 1. Take the run; one that is already completed (a duplicate job) is left alone.
  if (!(await deps.store.transitionRun(runId, ["queued", "running"], "running"))) return;
  const run = (await deps.store.getRun(runId))!;
  const log = deps.log.child({ run: run.id, pipeline: run.pipeline.name, repository: `${run.push.owner}/${run.push.repo}` });

  // 2. Show it as started.
  await reportStarted(deps, run, log);

  // 3. Check out the pushed commit and run the steps, all output into one log file.
  const logFile = new LogFile(join(deps.dataDir, "logs"), run.id);
  let result: RunResult;
  let workspace: string | null = null;
  try {
    const outcome = await execute(deps, run, logFile, (dir) => (workspace = dir));
    result = {
      conclusion: outcome.conclusion,
      steps: outcome.steps,
      durationMs: outcome.durationMs,
      ...(outcome.reason ? { reason: outcome.reason } : {}),
      ...(outcome.failedStep !== null ? { failedStep: outcome.failedStep } : {}),
    };
  } catch (error) {
    log.error({ err: error }, "pipeline could not run");
    result = { conclusion: "failure", reason: `gantry could not run the pipeline: ${(error as Error).message}`, steps: [], durationMs: null };
  } finally {
    logFile.close();
    if (workspace) await removeWorkspace(workspace).catch((error: unknown) => log.warn({ err: error }, "workspace not removed"));
  }

  // 4. Record the result, then report it.
  await deps.store.transitionRun(run.id, ["running"], "completed", { result });
  const completed = (await deps.store.getRun(run.id))!;
  log.info(`pipeline ${result.conclusion}`);
  await reportCompleted(deps, completed, logFile.path, log);

  // 5. Start or skip the pipelines that needed this one.
  await releaseDependents(deps, completed);
}

async function execute(
  deps: WorkerDeps,
  run: RunRecord,
  logFile: LogFile,
  onWorkspace: (dir: string) => void,
): Promise<PipelineOutcome> {
  const deadline = Date.now() + run.pipeline.timeoutMs;
  const token = await deps.github.token(run.push.installationId);
  logFile.write(`==> Checkout ${run.push.owner}/${run.push.repo}@${run.push.sha}\n`);
  const { dir, outcome } = await checkout({
    root: join(deps.dataDir, "workspaces"),
    runId: run.id,
    cloneUrl: `${deps.gitBaseUrl}/${run.push.owner}/${run.push.repo}.git`,
    sha: run.push.sha,
    token,
    logFd: logFile.fd,
    timeoutMs: run.pipeline.timeoutMs,
  });
  onWorkspace(dir);
  if (outcome.exitCode !== 0) {
    return {
      conclusion: outcome.timedOut ? "timed_out" : "failure",
      steps: run.pipeline.steps.map((step) => ({ name: step.name, conclusion: "skipped", exitCode: null, durationMs: null })),
      failedStep: null,
      reason: `checkout of ${run.push.sha} failed (git exited with ${outcome.exitCode ?? outcome.signal})`,
      durationMs: outcome.durationMs,
    };
  }
  const env = buildStepEnv({ serverEnv: deps.serverEnv, passEnv: deps.passEnv, push: run.push, pipeline: run.pipeline, runId: run.id, workspace: dir });
  return executePipeline({ pipeline: run.pipeline, cwd: dir, env, log: logFile, deadline });
}
