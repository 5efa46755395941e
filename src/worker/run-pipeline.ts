import { join } from "node:path";
import { executePipeline, type PipelineOutcome } from "./execution/execute-pipeline.js";
import { describeGitHubError } from "../github/describe-github-error.js";
import { LogFile } from "./execution/log-file.js";
import { readLogTail } from "../report/read-log-tail.js";
import { OUTPUT_LIMIT } from "../report/check-run-output.js";
import { buildStepEnv } from "./execution/step-env.js";
import { removeWorkspace } from "./execution/workspace.js";
import { releaseDependents } from "../runs/release-dependents.js";
import type { RunRecord, RunResult } from "../runs/run-types.js";
import { killLeftovers } from "./kill-leftovers.js";
import { acquireLocks, releaseLocks } from "./run-locks.js";
import { watchRun } from "./watch-run.js";
import type { WorkerDeps } from "./worker-deps.js";
import { lineIndexPath, logPath, scanPath } from "../runs/log-path.js";
import { startLogScan, type LogScanner, type LogScanResult } from "./scanning/start-log-scan.js";
import type { SecretsRequest } from "../planning/judge-secrets.js";
import { readRunSecrets } from "./secrets/read-run-secrets.js";
import { readSecretFilePaths } from "./secrets/read-secret-file-paths.js";
import { createMasker, type Masker } from "./execution/masking/create-masker.js";
import { maskLog } from "./mask-log.js";
import { readJunitReports, type JunitReports } from "./reports/read-junit-reports.js";
import { collectAnnotations } from "./scanning/collect-annotations.js";
import { workspaceRoot } from "./workspace-root.js";
import { judgeDiskSpace } from "./judge-disk-space.js";
import { mirrorRoot } from "./mirror-root.js";
import { cacheScopes } from "../planning/cache-scopes.js";
import { executedPlan } from "../planning/executed-plan.js";
import { checkoutOptionsOf } from "./execution/checkout-options-of.js";
import { cloneUrlOf } from "./clone-url-of.js";

/** A run whose worker died this many times is failed instead of being tried again. */
export const MAX_ATTEMPTS = 2;
/** How soon a run waiting for its environment or concurrency group asks again. */
const LOCK_RETRY_MS = 1_000;
/** How soon a run waiting for disk space asks again. */
export const DISK_RETRY_MS = 30_000;

/**
 * Take → wait for locks → execute (check out, then the steps) → record → release. GitHub is never awaited here: every change
 * goes to the store, and the check-run syncer shows it. `shutdown` aborted means: put the run back, unfinished.
 */
export async function runPipeline(deps: WorkerDeps, runId: string, shutdown: AbortSignal): Promise<void | { retryInMs: number }> {
  // 1. Only a queued run, or one whose worker died, is taken; one that died too often is failed.
  const run = await deps.store.getRun(runId);
  // a completed run's job comes again when its worker died after recording the result: what waited on it
  // may not have been released yet (releasing is safe to repeat)
  if (run?.state === "completed") return releaseDependents(deps, run);
  if (!run || (run.state !== "queued" && run.state !== "running")) return;
  if (run.state === "running") {
    const killed = await killLeftovers(run, deps.nodeId);
    deps.log.warn({ run: run.id, attempt: run.attempt, killedLeftovers: killed }, "taking over a run whose worker died");
    if (run.attempt >= MAX_ATTEMPTS) {
      return finish(deps, run, {
        conclusion: "failure",
        reason: `gantry stopped ${run.attempt} times while running this pipeline (a crash, or the machine running out of memory); it was not tried again.`,
        steps: run.progress,
        durationMs: null,
      });
    }
  }

  // 2a. Too little disk: the run waits, queued, instead of failing half-way through a checkout or a build. Its check
  // run says why; only a changed reason is reported again, not every retry.
  const waiting = await judgeDiskSpace(deps, run.id);
  if (waiting !== null) {
    if (run.waiting !== waiting && (await deps.store.updateRun(run.id, ["queued"], { waiting }))) deps.wakeSyncer();
    return { retryInMs: DISK_RETRY_MS };
  }

  // 2b. A deployment environment or concurrency group runs one run at a time; this one waits its turn.
  if (!(await acquireLocks(deps.store, run))) return { retryInMs: LOCK_RETRY_MS };

  // 3. Take it.
  const taken = await deps.store.updateRun(run.id, [run.state], {
    state: "running",
    attempt: run.attempt + 1,
    nodeId: deps.nodeId,
    startedAt: Date.now(),
    progress: [],
    pid: null,
    waiting: null,
  });
  if (!taken) return releaseLocks(deps.store, run);
  deps.wakeSyncer();
  const runLog = deps.log.child({ run: run.id, pipeline: run.pipeline.name, repository: `${run.push.owner}/${run.push.repo}` });
  runLog.info(`pipeline started (attempt ${taken.attempt})`);

  // 4. The secrets it lists, judged for this push by the secrets file as it is now; refused: failed before any step.
  // The values stay in this worker's memory and the steps' environment, never in a record.
  const secrets = await readRunSecrets(deps.secretsFile, secretsRequest(taken), deps.serverEnv);
  if (!secrets.ok) {
    runLog.info("pipeline refused: it lists secrets this push may not have");
    return finish(deps, taken, { conclusion: "failure", reason: secrets.reason, steps: [], durationMs: null });
  }
  // none without secrets: output then goes from the child to the log file directly
  const masker = createMasker(Object.values(secrets.values));
  const log = masker ? maskLog(runLog, masker) : runLog;

  // 5. Run the executed plan (the checkout is step 0), watching for a cancel request and keeping the locks.
  const watch = watchRun(deps.store, taken, shutdown);
  // this attempt's own log, started empty, and its scanner following it
  const logFile = new LogFile(logPath(deps.dataDir, run.id, taken.attempt));
  const scanner = startScan(deps, taken, log);
  let scan: LogScanResult | null = null;
  let workspace: string | null = null;
  let outcome: PipelineOutcome;
  let reports: JunitReports | null = null;
  try {
    outcome = await execute(deps, taken, { values: secrets.values, masker }, logFile, scanner, watch.signal, (dir) => (workspace = dir));
    // read before the workspace is removed below, masked like the log: secrets and `::add-mask::` values
    reports = await readReports(taken, outcome, workspace as string | null, createMasker([...Object.values(secrets.values), ...(scanner?.masks ?? [])]));
  } catch (error) {
    const cause = describeGitHubError(error);
    log.error({ err: error }, `pipeline could not run: ${cause}`);
    outcome = { conclusion: "failure", reason: `gantry could not run the pipeline: ${cause}`, steps: [], durationMs: 0 };
  } finally {
    watch.stop();
    logFile.close();
    // read to the end before the tail is: `::add-mask::` values are overwritten in the file by then
    scan = await scanner?.finish().catch((error: unknown) => {
      log.warn({ err: error }, "log scan failed; the run is reported without its annotations");
      return null;
    }) ?? null;
  }
  // after the result is recorded (a big checkout takes seconds to delete), but before a shutdown puts the run back
  const cleanUp = async () => {
    if (workspace) await removeWorkspace(workspace).catch((error: unknown) => log.warn({ err: error }, "workspace not removed"));
  };

  // 6. Interrupted by a shutdown: back to the queue, as if it had never started.
  if (shutdown.aborted && outcome.conclusion === "cancelled") {
    await cleanUp();
    await deps.store.updateRun(run.id, ["running"], { state: "queued", attempt: run.attempt, progress: [], pid: null, startedAt: null });
    await releaseLocks(deps.store, run);
    deps.wakeSyncer();
    log.info("interrupted by shutdown; queued again");
    return { retryInMs: 0 };
  }

  // 7. Record the result with the log's tail; the syncer reports it, and what waited on this run can go.
  const reason = watch.cancelReason() ?? outcome.reason;
  const tail = await readLogTail(logFile.path, { maxBytes: OUTPUT_LIMIT });
  log.info(`pipeline ${outcome.conclusion}`);
  await finish(deps, taken, {
    conclusion: outcome.conclusion,
    steps: outcome.steps,
    durationMs: outcome.durationMs,
    logTail: tail.text,
    ...(reason ? { reason } : {}),
    ...(reports ? { tests: reports.tests } : {}),
    ...(outcome.caches && outcome.caches.length > 0 ? { caches: outcome.caches } : {}),
    ...annotationsOf(scan, reports),
  });
  // a crash before this leaves it to the next start's leftover sweep (the run is completed by then)
  await cleanUp();
}

/** The pipeline's JUnit reports, once a step ran in the checkout; null when it names none, the checkout failed or no step started. */
async function readReports(run: RunRecord, outcome: PipelineOutcome, workspace: string | null, masker: Masker | null): Promise<JunitReports | null> {
  const globs = run.pipeline.reports?.junit;
  // a step of the config, not gantry's own cache steps
  const plan = executedPlan(run.pipeline);
  const stepRan = outcome.steps[0]?.conclusion === "success" && outcome.steps.some((step, index) => plan[index]?.kind === "run" && step.durationMs !== null);
  if (!globs || workspace === null || !stepRan) return null;
  return readJunitReports({ workspace, globs, ...(masker ? { mask: (text: string) => masker.mask(text) } : {}) });
}

/** What the log and the JUnit reports point at, as one deduplicated list within MAX_ANNOTATIONS. */
function annotationsOf(scan: LogScanResult | null, reports: JunitReports | null): Pick<RunResult, "annotations" | "omittedAnnotations"> {
  const collector = collectAnnotations();
  for (const annotation of [...(scan?.annotations ?? []), ...(reports?.annotations ?? [])]) collector.add(annotation);
  const omitted = collector.omitted + (scan?.omittedAnnotations ?? 0) + (reports?.omittedAnnotations ?? 0);
  return { ...(collector.kept.length > 0 ? { annotations: [...collector.kept] } : {}), ...(omitted > 0 ? { omittedAnnotations: omitted } : {}) };
}

async function finish(deps: WorkerDeps, run: RunRecord, result: RunResult): Promise<void> {
  const completed = await deps.store.updateRun(run.id, ["running", "queued"], { state: "completed", result, completedAt: Date.now(), pid: null });
  await releaseLocks(deps.store, run);
  deps.wakeSyncer();
  if (completed) await releaseDependents(deps, completed);
  deps.wakeSyncer();
}

/** What the secrets file is asked about a run: its repository, its full ref, its environment and the names it lists. */
function secretsRequest(run: RunRecord): SecretsRequest {
  return {
    repository: `${run.push.owner}/${run.push.repo}`,
    ref: run.push.ref,
    environment: run.pipeline.environment,
    names: run.pipeline.secrets ?? [],
  };
}


/** The scanner of this attempt's log; none without a processor, or when it cannot start (the run goes on). */
function startScan(deps: WorkerDeps, run: RunRecord, log: WorkerDeps["log"]): LogScanner | null {
  if (!deps.createLogProcessor) return null;
  try {
    const processor = deps.createLogProcessor({ pipeline: run.pipeline, workspace: join(workspaceRoot(deps.dataDir), run.id) });
    return startLogScan({
      runId: run.id,
      attempt: run.attempt,
      logPath: logPath(deps.dataDir, run.id, run.attempt),
      scanPath: scanPath(deps.dataDir, run.id, run.attempt),
      lineIndexPath: lineIndexPath(deps.dataDir, run.id, run.attempt),
      processor,
    });
  } catch (error) {
    log.warn({ err: error }, "log scan not started; the run is reported without its annotations");
    return null;
  }
}

async function execute(
  deps: WorkerDeps,
  run: RunRecord,
  secrets: { values: Record<string, string>; masker: Masker | null },
  logFile: LogFile,
  scanner: LogScanner | null,
  signal: AbortSignal,
  onWorkspace: (dir: string) => void,
): Promise<PipelineOutcome> {
  // asked for now, awaited only by `git fetch`: the workspace is prepared meanwhile
  const token = deps.github.checkoutToken(run.push.installationId, run.push.repo);
  token.catch(() => {}); // a failure surfaces where it is awaited
  // the files secrets are read from are hidden from every step, whether its pipeline lists secrets or not
  const hide = await readSecretFilePaths(deps.secretsFile);
  const { masker } = secrets;
  return executePipeline({
    pipeline: run.pipeline,
    checkout: {
      root: workspaceRoot(deps.dataDir),
      runId: run.id,
      cloneUrl: cloneUrlOf(deps.gitBaseUrl, run.push),
      sha: run.push.sha,
      token,
      // records from before mirrors carry no repository id: their runs fetch the commit alone
      ...(Number.isSafeInteger(run.push.repositoryId) ? { mirrors: { root: mirrorRoot(deps.dataDir), repositoryId: run.push.repositoryId } } : {}),
      ...checkoutOptionsOf(run.pipeline),
    },
    env: (workspace) => ({
      ...buildStepEnv({ serverEnv: deps.serverEnv, passEnv: deps.passEnv, push: run.push, pipeline: run.pipeline, runId: run.id, workspace }),
      ...secrets.values,
    }),
    log: logFile,
    ...(scanner ? { scanner } : {}),
    sandbox: deps.sandbox,
    // records from before mirrors carry no repository id: without one, no cache can be told apart from another repository's
    ...(deps.caches && Number.isSafeInteger(run.push.repositoryId)
      ? { caches: { store: deps.caches, repositoryId: run.push.repositoryId, scopes: cacheScopes(run.push.ref, run.push.defaultBranch) } }
      : {}),
    hide,
    ...(masker ? { masker } : {}),
    signal,
    onWorkspace,
    // only steps' pids: they carry GANTRY_RUN_ID, which is what a successor checks before killing a leftover
    onSpawn: (pid) => void deps.store.updateRun(run.id, ["running"], { pid }, { report: false }),
    onStepEnd: (steps) => {
      void deps.store.updateRun(run.id, ["running"], { progress: steps }).then(() => deps.wakeSyncer());
    },
  });
}

