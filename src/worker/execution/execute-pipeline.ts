import { executedPlan } from "../../planning/executed-plan.js";
import type { PlannedPipeline } from "../../planning/plan-types.js";
import type { CacheReport, Conclusion, StepRecord } from "../../runs/run-types.js";
import type { LogFile } from "./log-file.js";
import { runStep, type StepOutcome } from "./run-step.js";
import { checkout, FULL_SHA, type CheckoutOptions } from "./workspace.js";
import { createStepSummaryFile, SUMMARIES_SUFFIX, type StepSummaryFile } from "./step-summary-file.js";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Sandbox } from "./sandbox/sandbox.js";
import { createMasker, type Masker } from "./masking/create-masker.js";
import type { LogScanner } from "../scanning/start-log-scan.js";
import { listRepositoryFiles } from "../scanning/list-repository-files.js";
import { HOME_SUFFIX } from "./run-home.js";
import type { CacheStore } from "../caching/cache-store.js";
import type { CacheScopes } from "../../planning/cache-scopes.js";
import { restoreCaches, type RestoredCache, type RunCaches } from "../caching/restore-caches.js";
import { saveCaches } from "../caching/save-caches.js";
import { prepareNextHits } from "../caching/prepare-next-hits.js";

export interface PipelineOutcome {
  conclusion: Conclusion;
  steps: StepRecord[];
  reason?: string;
  durationMs: number;
  /** What each cache did; absent when the pipeline has none or the restore step did not run. */
  caches?: CacheReport[];
}

export interface ExecutePipelineOptions {
  pipeline: PlannedPipeline;
  /** What step 0 checks out, and where: the workspace is `root/<runId>`. */
  checkout: Pick<CheckoutOptions, "root" | "runId" | "cloneUrl" | "sha" | "token" | "mirrors" | "depth" | "submodules" | "lfs">;
  /** The steps' environment, built once the workspace exists. */
  env: (workspace: string) => Record<string, string>;
  log: LogFile;
  /** Where each step (not the checkout, which is gantry's own git) runs. */
  sandbox: Sandbox;
  /** Given when the run has secrets: every step's output goes through it on its way to the log. */
  masker?: Masker;
  /** Host paths no step of this pipeline may see, besides the sandbox's own hide list (e.g. files holding secrets). */
  hide?: readonly string[];
  /**
   * Follows `log` (the caller started it, and finishes it): told where each step's header is and how each step
   * ended, and given the commit's file list right after the checkout. Its `::add-mask::` values mask step summaries.
   */
  scanner?: LogScanner;
  signal?: AbortSignal;
  /** This worker's caches and whose this run may read and write; absent: the pipeline's `cache:` is skipped, said so in the log. */
  caches?: { store: CacheStore; repositoryId: number; scopes: CacheScopes };
  /** Told the workspace as soon as it exists (even when the checkout then fails): the caller removes it. */
  onWorkspace?: (dir: string) => void;
  /** Told when a step's process starts (its process group id) and when a step ends, for live progress. */
  onSpawn?: (pid: number) => void;
  onStepEnd?: (steps: StepRecord[]) => void;
}

/**
 * Runs the executed plan in order, the checkout first, all within the pipeline's timeout; the first step that does
 * not succeed ends the pipeline and the rest are skipped.
 */
export async function executePipeline(options: ExecutePipelineOptions): Promise<PipelineOutcome> {
  // beside the workspace, not in it: a step's summary must not show up as a change to the checkout
  const summaries = join(options.checkout.root, `${options.checkout.runId}${SUMMARIES_SUFFIX}`);
  // the steps' $HOME in the sandbox, kept across the run's steps (where `~/…` caches go); beside the workspace too
  const home = join(options.checkout.root, `${options.checkout.runId}${HOME_SUFFIX}`);
  // an attempt before this one (on this host, before a crash) may have left its files; not rmSync: a home holding
  // a restored ~/.npm is thousands of files, and the event loop also answers webhooks. Beside the checkout, which
  // needs neither: awaited before the first step after it
  const prepared = Promise.all([summaries, home].map((path) => rm(path, { recursive: true, force: true, maxRetries: 3 }))).then(() =>
    mkdir(home, { recursive: true, mode: 0o700 }),
  );
  prepared.catch(() => {}); // a failure surfaces where it is awaited
  try {
    return await runPlan(options, summaries, home, prepared);
  } finally {
    // the home goes with the workspace (removeWorkspace, by the caller told of it): after the result is recorded
    await prepared.catch(() => {});
    await rm(summaries, { recursive: true, force: true, maxRetries: 3 });
  }
}

async function runPlan(options: ExecutePipelineOptions, summaries: string, home: string, prepared: Promise<unknown>): Promise<PipelineOutcome> {
  const started = Date.now();
  const deadline = started + options.pipeline.timeoutMs;
  const { pipeline, log } = options;
  const plan = executedPlan(pipeline);
  const steps: StepRecord[] = plan.map((step) => ({ name: step.name, conclusion: "skipped", exitCode: null, durationMs: null }));
  let workspace: { dir: string; env: Record<string, string>; mirror?: string } | null = null;
  let caches: { run: RunCaches; restored: RestoredCache[] } | null = null;
  let cacheReports: CacheReport[] | undefined;
  // the commit's files, when they can be listed in the mirror: once the first step has started, off its path
  let listFiles: (() => Promise<string | null>) | null = null;
  // every way out of the plan: what is owed after the last step, then the outcome with the caches' reports
  const concluded = async (outcome: Omit<PipelineOutcome, "caches">): Promise<PipelineOutcome> => {
    // no step started: the scanner still learns the commit's files before its scan is finished
    const note = await listFiles?.();
    if (note) log.write(note);
    // the steps are over: what they used is unpacked again for the next push, while this one is reported
    if (caches && cacheReports) prepareNextHits(caches.restored, cacheReports, caches.run);
    return cacheReports ? { ...outcome, caches: cacheReports } : outcome;
  };
  for (const [index, step] of plan.entries()) {
    let written: Pick<StepRecord, "summary" | "summaryCutBytes"> = {};
    const left = deadline - Date.now();
    const pipelineLimited = left <= step.timeoutMs;
    const timeoutMs = Math.max(0, Math.min(step.timeoutMs, left));
    const header = `==> ${step.name}\n`;
    // the newline first ends a last line the step before printed without one: the header starts a line
    log.write(`${index === 0 ? "" : "\n"}${header}`);
    options.scanner?.stepStarted({ index, name: step.name, headerByte: log.size() - Buffer.byteLength(header) });
    let outcome: StepOutcome;
    if (step.kind !== "checkout") await prepared;
    if (step.kind === "checkout") {
      log.write(`${options.checkout.sha}\n`);
      const done = await checkout({ ...options.checkout, logFd: log.fd, timeoutMs, ...(options.signal ? { signal: options.signal } : {}) });
      options.onWorkspace?.(done.dir);
      outcome = done.outcome;
      if (outcome.exitCode === 0) workspace = { dir: done.dir, env: options.env(done.dir), ...(done.mirror ? { mirror: done.mirror } : {}) };
      const { scanner } = options;
      if (outcome.exitCode === 0 && scanner) {
        const mirror = done.mirror;
        // in the mirror, which steps see read-only, by the commit's id: a step cannot change what git says there
        if (mirror && FULL_SHA.test(options.checkout.sha)) listFiles = () => listCommitFiles(scanner, mirror, options.checkout.sha);
        else {
          // in the workspace now, before any step could plant options in .git/config that make git run code
          const note = await listCommitFiles(scanner, done.dir);
          if (note) log.write(note);
        }
      }
    } else if (step.kind === "restore-caches") {
      const began = Date.now();
      const run = cacheRun(options, workspace!, home);
      if (run === null) log.write("gantry: caches are off here (GANTRY_CACHE_MAX_GB=0, or `gantry run`); nothing is restored or saved\n");
      else caches = { run, restored: await restoreCaches(pipeline.cache ?? [], run, (line) => log.write(`${line}\n`)) };
      cacheReports = caches?.restored.map((cache) => cache.report);
      outcome = cacheStepOutcome(began, options.signal);
    } else if (step.kind === "save-caches") {
      const began = Date.now();
      if (caches) cacheReports = await saveCaches(caches.restored, caches.run, (line) => log.write(`${line}\n`));
      outcome = cacheStepOutcome(began, options.signal);
    } else {
      const summary = createStepSummaryFile(summaries, index);
      try {
        const running = runStep({
          command: step.run,
          // step 0 checked out, or the loop ended there
          workspace: workspace!.dir,
          home,
          env: { ...workspace!.env, GANTRY_STEP_SUMMARY: summary.path },
          writable: [summary.path],
          // the workspace's objects are the mirror's: without it `git log` fails; read-only, so no run poisons the next
          ...(workspace!.mirror ? { readOnly: [workspace!.mirror] } : {}),
          network: pipeline.network ?? "host",
          sandbox: options.sandbox,
          ...(options.hide ? { hide: options.hide } : {}),
          ...(options.masker ? { masker: options.masker } : {}),
          logFd: log.fd,
          timeoutMs,
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.onSpawn ? { onSpawn: options.onSpawn } : {}),
        });
        // the step's process is started by now (runStep spawns before it first waits)
        const listed = listFiles?.() ?? null;
        listFiles = null;
        outcome = await running;
        // what could not be listed is said after the step's output, not within it
        const note = await listed;
        if (note) log.write(note);
        written = await summaryOf(summary, options.masker, options.scanner);
      } finally {
        summary.close();
      }
    }
    const record = { ...steps[index]!, ...stepRecord(outcome), ...written };
    steps[index] = record;
    options.scanner?.stepEnded({ index, conclusion: record.conclusion, durationMs: record.durationMs });
    options.onStepEnd?.(steps.slice(0, index + 1));
    if (record.conclusion !== "success") {
      const reason = explain(outcome, step.timeoutMs, pipelineLimited ? pipeline.timeoutMs : null);
      log.write(`\n==> ${step.name}: ${reason}\n`);
      return await concluded({ conclusion: record.conclusion, steps, reason, durationMs: Date.now() - started });
    }
  }
  return await concluded({ conclusion: "success", steps, durationMs: Date.now() - started });
}

/**
 * Where this run's cache paths are: the checkout, and the home its steps see — the run's own in the sandbox, the
 * server's $HOME without one (GANTRY_SANDBOX=off gives no step a home of its own). Null: caches are off.
 */
function cacheRun(options: ExecutePipelineOptions, workspace: { dir: string; env: Record<string, string> }, home: string): RunCaches | null {
  if (!options.caches) return null;
  const stepHome = options.sandbox.kind === "off" ? (workspace.env["HOME"] ?? home) : home;
  return { ...options.caches, roots: { workspace: workspace.dir, home: stepHome } };
}

/** A cache step never fails the run; only a cancel ends it there. */
function cacheStepOutcome(began: number, signal: AbortSignal | undefined): StepOutcome {
  const cancelled = signal?.aborted ?? false;
  return { exitCode: cancelled ? null : 0, signal: null, timedOut: false, isCanceled: cancelled, durationMs: Date.now() - began, startError: null };
}

/**
 * What the step wrote to its summary file, masked like its output (the run's secrets, and the values its steps
 * added with `::add-mask::` up to the step's last output); nothing when it wrote nothing.
 */
async function summaryOf(file: StepSummaryFile, masker: Masker | undefined, scanner: LogScanner | undefined): Promise<Pick<StepRecord, "summary" | "summaryCutBytes">> {
  const { text, cutBytes } = file.read();
  if (text.trim() === "") return {};
  let summary = masker ? masker.mask(text) : text;
  if (scanner) {
    await scanner.caughtUp();
    summary = createMasker(scanner.masks)?.mask(summary) ?? summary;
  }
  return { summary, ...(cutBytes > 0 ? { summaryCutBytes: cutBytes } : {}) };
}

/**
 * The commit's files to the scanner: those checked out in `dir`, or `commit`'s in the mirror `dir`. Returns the
 * log's note when it could not list them (or not all), for the caller to write where it does not cut a step's output.
 */
async function listCommitFiles(scanner: LogScanner, dir: string, commit?: string): Promise<string | null> {
  const files = await listRepositoryFiles(dir, commit ? { commit } : {});
  scanner.repositoryFiles(files);
  if (files === null) return "gantry: could not list the commit's files; annotations are not checked against them\n";
  if (!files.complete) return `gantry: the commit has more than ${files.paths.size} files; annotations on files past those are sent as they are\n`;
  return null;
}

function stepRecord(outcome: StepOutcome): Omit<StepRecord, "name"> {
  const conclusion: Conclusion = outcome.isCanceled
    ? "cancelled"
    : outcome.timedOut
      ? "timed_out"
      : outcome.exitCode === 0
        ? "success"
        : "failure";
  return { conclusion, exitCode: outcome.exitCode, durationMs: outcome.durationMs };
}

function explain(outcome: StepOutcome, stepLimitMs: number, pipelineLimitMs: number | null): string {
  if (outcome.isCanceled) return "cancelled";
  if (outcome.timedOut) {
    return pipelineLimitMs === null
      ? `timed out after ${formatLimit(stepLimitMs)} (the step's timeout)`
      : `timed out: the pipeline's timeout of ${formatLimit(pipelineLimitMs)} was reached`;
  }
  if (outcome.startError) return `could not start: ${outcome.startError}`;
  if (outcome.signal) return `killed by ${outcome.signal}`;
  return `exited with code ${outcome.exitCode}`;
}

function formatLimit(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}
