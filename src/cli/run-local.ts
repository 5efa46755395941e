import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CONFIG_PATH, formatConfigError, parseConfig } from "../config/parse-config.js";
import { executePipeline, type PipelineOutcome } from "../worker/execution/execute-pipeline.js";
import { LogFile } from "../worker/execution/log-file.js";
import { buildStepEnv } from "../worker/execution/step-env.js";
import { removeWorkspace } from "../worker/execution/workspace.js";
import { checkoutOptionsOf } from "../worker/execution/checkout-options-of.js";
import { readPassEnv } from "../app/settings/read-pass-env.js";
import { pushContextFromPayload, type PushPayload } from "../dispatch/push-context.js";
import { judgeNeeds } from "../planning/judge-needs.js";
import { planPush } from "../planning/plan-push.js";
import type { PlannedPipeline } from "../planning/plan-types.js";
import type { PushContext } from "../runs/run-types.js";
import { buildPushPayload } from "./build-push-payload.js";
import { catchInterrupts, INTERRUPT_EXIT_CODES } from "./catch-interrupts.js";
import { describeUncommitted } from "./describe-uncommitted.js";
import { followFile } from "./follow-file.js";
import { formatDuration } from "../report/format-duration.js";
import { MARKS, printTable, type Row } from "./print-table.js";
import { lineIndexPath, logPath, scanPath } from "../runs/log-path.js";
import type { CreateLogProcessor } from "../worker/worker-deps.js";
import { startLogScan, type LogScanResult } from "../worker/scanning/start-log-scan.js";
import type { Annotation } from "../runs/run-types.js";
import { toPlainText } from "../runs/plain-text.js";
import { readSandboxSettings } from "../app/settings/read-sandbox-settings.js";
import { createSandbox } from "../worker/execution/sandbox/create-sandbox.js";
import { plainSandbox } from "../worker/execution/sandbox/plain-sandbox.js";
import { probeSandbox } from "../worker/execution/sandbox/probe-sandbox.js";
import type { Sandbox } from "../worker/execution/sandbox/sandbox.js";

export interface RunLocalOptions {
  dir: string;
  pipeline?: string;
  branch?: string;
  out: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** false (--no-sandbox): steps run as plain child processes; else in the server's sandbox when bwrap works here. */
  sandbox?: boolean;
  /** Given: each pipeline's log is scanned as on the server, and the annotations found are printed after it. */
  createLogProcessor?: CreateLogProcessor;
}

/**
 * What a local run cannot give of a pipeline's `checkout:`, and why: it fetches from a path, and both come only from
 * the repository's own http(s) host (checkSubmodule refuses every submodule of a path; `<path>/info/lfs` is no LFS
 * endpoint). Said in the log, and the run goes on without them: a pipeline's steps that do not need them can still
 * be tried, and one that does fails after this line, not at a refused checkout.
 */
const NOT_LOCAL: Record<"submodules" | "lfs", string> = {
  submodules: "submodules are fetched only from the repository's own http(s) host, and a local run fetches from a path: the submodules' folders stay empty",
  lfs: "LFS files come only from the repository's LFS endpoint (<clone URL>/info/lfs), and a local run fetches from a path: LFS files stay pointer files",
};

/** A local run prints this many annotations of a pipeline at most; the rest are counted. */
const PRINTED_ANNOTATIONS = 50;

/**
 * `gantry run`: the working tree's config, planned for HEAD and run in a fresh checkout of HEAD with the same
 * planner and runner as the server. Returns the process exit code.
 */
export async function runLocal(options: RunLocalOptions): Promise<number> {
  const say = (line: string) => options.out.write(`${line}\n`);
  const dir = resolve(options.dir);

  // 1. The config as it is in the working tree, so a change can be tried before it is committed.
  const text = await readFile(join(dir, CONFIG_PATH), "utf8").catch(() => null);
  if (text === null) {
    say(`gantry: no ${CONFIG_PATH} in ${dir}`);
    return 2;
  }
  const parsed = parseConfig(text, CONFIG_PATH);
  if (!parsed.ok) {
    for (const error of parsed.errors) say(formatConfigError(error));
    return 2;
  }

  // 2. Plan for HEAD, as a push of HEAD to the current (or given) branch would be planned.
  const push = await localPush(dir, options.branch);
  // every path filter matches: a local run tries the whole config, whatever HEAD changed
  const plan = planPush(
    { ref: push.ref, deleted: false, headCommitMessage: push.headCommit?.message ?? "", changedFiles: null },
    parsed.config,
  );
  let pipelines = plan.pipelines;
  if (options.pipeline !== undefined) {
    const wanted = options.pipeline;
    if (!parsed.config.pipelines.some((p) => p.name === wanted)) {
      say(`gantry: --pipeline "${wanted}" is not in ${CONFIG_PATH} (it has: ${parsed.config.pipelines.map((p) => p.name).join(", ")})`);
      return 2;
    }
    pipelines = pipelines.filter((p) => p.name === wanted).map((p) => ({ ...p, needs: [] }));
    if (pipelines.length === 0) {
      say(`gantry: pipeline "${wanted}" does not run for ${push.ref} (its branch or tag filters do not match; try --branch)`);
      return 2;
    }
  }
  if (pipelines.length === 0) {
    say(`gantry: no pipeline runs for ${push.ref}`);
    return 0;
  }

  const uncommitted = await describeUncommitted(dir, CONFIG_PATH, push.sha);
  if (uncommitted !== null) say(uncommitted);

  // 3. Run each pipeline once its needs are done, in a fresh checkout, streaming its log.
  const scratch = await mkdtemp(join(tmpdir(), "gantry-run-"));
  const sandbox = await chooseSandbox(options, scratch, say).catch(async (error: unknown) => {
    await rm(scratch, { recursive: true, force: true });
    throw error;
  });
  const interrupts = catchInterrupts();
  const rows: Row[] = [];
  // each finished pipeline's conclusion, what judgeNeeds reads
  const finished = new Map<string, string>();
  try {
    // one at a time, the first pipeline that may start now (as the server would release it) going next
    const pending = [...pipelines];
    while (pending.length > 0 && !interrupts.signal.aborted) {
      const index = pending.findIndex((p) => p.action === "skip" || judgeNeeds(p.needs, finished).verdict !== "wait");
      // none may start only if needs wait on what never runs, which planPush already skips: skip rather than hang
      const pipeline = pending.splice(Math.max(index, 0), 1)[0]!;
      const judged = judgeNeeds(pipeline.needs, finished);
      if (pipeline.action === "skip" || judged.verdict !== "start") {
        finished.set(pipeline.name, "skipped");
        const unmet = judged.verdict === "skip" ? judged.need : pipeline.needs.find((need) => !finished.has(need));
        say(`\n○ ${pipeline.name}: skipped (${pipeline.reason ?? `needs ${unmet} to succeed`})`);
        rows.push({ pipeline: pipeline.name, step: "", result: "skipped", exitCode: null, durationMs: null });
        continue;
      }
      const outcome = await runOne(pipeline, push, scratch, options, sandbox, interrupts.signal);
      finished.set(pipeline.name, outcome.conclusion);
      for (const step of outcome.steps) rows.push({ pipeline: pipeline.name, step: step.name, result: step.conclusion, exitCode: step.exitCode, durationMs: step.durationMs });
      if (outcome.reason) say(`✖ ${pipeline.name}: ${outcome.reason}`);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
    interrupts.release();
  }

  // 4. The result table; any pipeline that did not succeed fails the command.
  say("");
  printTable(rows, say);
  const interrupt = interrupts.received();
  if (interrupt !== null) {
    say(`gantry: interrupted by ${interrupt}: stopped the steps and removed the workspace`);
    return INTERRUPT_EXIT_CODES[interrupt];
  }
  const failed = [...finished.values()].some((conclusion) => conclusion !== "success" && conclusion !== "skipped");
  return failed ? 1 : 0;
}

/** The server's sandbox when bwrap works here; a developer's machine without it still runs, and is told so. */
async function chooseSandbox(options: RunLocalOptions, scratch: string, say: (line: string) => void): Promise<Sandbox> {
  if (options.sandbox === false) return plainSandbox();
  const settings = readSandboxSettings(options.env, {
    dataDir: scratch,
    secretsFile: resolve(options.env["GANTRY_SECRETS_FILE"] || join(scratch, "secrets.yml")),
    cwd: process.cwd(),
  });
  const sandbox = createSandbox(settings);
  if (sandbox.kind === "off") return sandbox;
  const failure = await probeSandbox(sandbox);
  if (failure === null) return sandbox;
  say(`gantry: steps run without a sandbox: bubblewrap cannot run here (${failure}); install it (apt-get install bubblewrap, or dnf install bubblewrap) or pass --no-sandbox`);
  return plainSandbox();
}

async function runOne(pipeline: PlannedPipeline, push: PushContext, scratch: string, options: RunLocalOptions, sandbox: Sandbox, signal: AbortSignal): Promise<PipelineOutcome> {
  const runId = `local-${pipeline.name}`;
  const log = new LogFile(logPath(scratch, runId, 1));
  const live = followFile(log.path, (chunk) => options.out.write(chunk));
  const workspaces = join(scratch, "workspaces");
  const scanner = options.createLogProcessor
    ? startLogScan({
        runId,
        attempt: 1,
        logPath: log.path,
        scanPath: scanPath(scratch, runId, 1),
        lineIndexPath: lineIndexPath(scratch, runId, 1),
        processor: options.createLogProcessor({ pipeline, workspace: join(workspaces, runId) }),
      })
    : null;
  options.out.write(`\n▶ ${pipeline.name}\n`);
  const { submodules, lfs, ...wanted } = checkoutOptionsOf(pipeline);
  let workspace: string | null = null;
  let scan: LogScanResult | null = null;
  try {
    for (const [option, asked] of [["submodules", submodules], ["lfs", lfs]] as const) {
      if (asked) log.write(`gantry: checkout.${option} is not supported by gantry run: ${NOT_LOCAL[option]}\n`);
    }
    return await executePipeline({
      pipeline,
      checkout: { root: workspaces, runId, cloneUrl: resolve(options.dir), sha: push.sha, ...wanted },
      env: (dir) => buildStepEnv({ serverEnv: options.env, passEnv: readPassEnv(options.env), push, pipeline, runId, workspace: dir }),
      log,
      ...(scanner ? { scanner } : {}),
      sandbox,
      signal,
      onWorkspace: (dir) => (workspace = dir),
      // written into the log the terminal follows, so it lands after the step's own output
      onStepEnd: (steps) => {
        const step = steps.at(-1)!;
        log.write(`${MARKS[step.conclusion] ?? "•"} ${step.name}: ${step.conclusion}${step.durationMs === null ? "" : ` in ${formatDuration(step.durationMs)}`}\n`);
      },
    });
  } finally {
    log.close();
    // the run's result does not hang on its scan: a scan that failed only prints nothing
    scan = (await scanner?.finish().catch(() => null)) ?? null;
    await live.stop();
    if (scan) printAnnotations(scan, (line) => options.out.write(`${line}\n`));
    if (workspace) await removeWorkspace(workspace);
  }
}

/** `path:line:column: level: message`, as compilers print them; all of it is step output, so made plain text. */
function printAnnotations(scan: LogScanResult, say: (line: string) => void): void {
  const { annotations } = scan;
  if (annotations.length === 0) return;
  say(`annotations (${annotations.length + scan.omittedAnnotations}):`);
  for (const annotation of annotations.slice(0, PRINTED_ANNOTATIONS)) say(`  ${formatAnnotation(annotation)}`);
  const more = annotations.length - PRINTED_ANNOTATIONS + scan.omittedAnnotations;
  if (more > 0) say(`  … and ${more} more`);
}

function formatAnnotation(annotation: Annotation): string {
  const place = annotation.path === "" ? "" : `${annotation.path}${annotation.line > 0 ? `:${annotation.line}${annotation.column ? `:${annotation.column}` : ""}` : ""}: `;
  const title = annotation.title ? `${annotation.title}: ` : "";
  const text = `${place}${(annotation.level ?? "failure") === "failure" ? "error" : annotation.level}: ${title}${annotation.message}`.replace(/\n/g, " ");
  return toPlainText(text) + (annotation.inRepository === false ? " (not a file of the commit)" : "");
}

/** HEAD as a push to the current (or given) branch, made into a run's push the way the server makes it. */
async function localPush(dir: string, branch: string | undefined): Promise<PushContext> {
  const payload = (await buildPushPayload(dir)) as unknown as PushPayload;
  return pushContextFromPayload(branch === undefined ? payload : { ...payload, ref: `refs/heads/${branch}` }, 0);
}
