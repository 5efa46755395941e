import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CONFIG_PATH, formatConfigError, parseConfig } from "../config/parse-config.js";
import { executePipeline, type PipelineOutcome } from "../worker/execution/execute-pipeline.js";
import { LogFile } from "../worker/execution/log-file.js";
import { buildStepEnv } from "../worker/execution/step-env.js";
import { checkout, removeWorkspace } from "../worker/execution/workspace.js";
import { planPush } from "../planning/plan-push.js";
import type { PlannedPipeline } from "../planning/plan-types.js";
import type { PushContext } from "../runs/run-types.js";
import { catchInterrupts, INTERRUPT_EXIT_CODES } from "./catch-interrupts.js";
import { describeUncommitted } from "./describe-uncommitted.js";
import { followFile } from "./follow-file.js";
import { git } from "./git.js";
import { formatDuration } from "../report/format-duration.js";
import { MARKS, printTable, type Row } from "./print-table.js";
import { logPath } from "../runs/log-path.js";

const ZEROS = "0".repeat(40);

export interface RunLocalOptions {
  dir: string;
  pipeline?: string;
  branch?: string;
  out: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

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
  const interrupts = catchInterrupts();
  const scratch = await mkdtemp(join(tmpdir(), "gantry-run-"));
  const rows: Row[] = [];
  const outcomes = new Map<string, PipelineOutcome | "skipped">();
  try {
    for (const pipeline of pipelines) {
      if (interrupts.signal.aborted) break;
      const unmet = pipeline.needs.find((need) => {
        const outcome = outcomes.get(need);
        return outcome === undefined || outcome === "skipped" || outcome.conclusion !== "success";
      });
      if (pipeline.action === "skip" || unmet !== undefined) {
        outcomes.set(pipeline.name, "skipped");
        say(`\n○ ${pipeline.name}: skipped (${pipeline.reason ?? `needs ${unmet} to succeed`})`);
        rows.push({ pipeline: pipeline.name, step: "", result: "skipped", exitCode: null, durationMs: null });
        continue;
      }
      const outcome = await runOne(pipeline, push, dir, scratch, options, interrupts.signal);
      outcomes.set(pipeline.name, outcome);
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
  const failed = [...outcomes.values()].some((o) => o !== "skipped" && o.conclusion !== "success");
  return failed ? 1 : 0;
}

async function runOne(
  pipeline: PlannedPipeline,
  push: PushContext,
  dir: string,
  scratch: string,
  options: RunLocalOptions,
  signal: AbortSignal,
): Promise<PipelineOutcome> {
  const runId = `local-${pipeline.name}`;
  const log = new LogFile(logPath(scratch, runId));
  const live = followFile(log.path, (chunk) => options.out.write(chunk));
  options.out.write(`\n▶ ${pipeline.name}\n`);
  let workspace: string | null = null;
  try {
    const deadline = Date.now() + pipeline.timeoutMs;
    const { dir: ws, outcome } = await checkout({ root: join(scratch, "workspaces"), runId, cloneUrl: dir, sha: push.sha, logFd: log.fd, timeoutMs: pipeline.timeoutMs, signal });
    workspace = ws;
    if (outcome.exitCode !== 0) {
      const conclusion = outcome.isCanceled ? "cancelled" : "failure";
      return { conclusion, steps: [], reason: outcome.isCanceled ? "cancelled during the checkout" : "checkout of HEAD failed", durationMs: outcome.durationMs };
    }
    const env = buildStepEnv({
      serverEnv: options.env,
      passEnv: (options.env["GANTRY_PASS_ENV"] ?? "").split(/[\s,]+/).filter(Boolean),
      push,
      pipeline,
      runId,
      workspace: ws,
    });
    return await executePipeline({
      pipeline,
      cwd: ws,
      env,
      log,
      deadline,
      signal,
      // written into the log the terminal follows, so it lands after the step's own output
      onStepEnd: (steps) => {
        const step = steps.at(-1)!;
        log.write(`${MARKS[step.conclusion] ?? "•"} ${step.name}: ${step.conclusion}${step.durationMs === null ? "" : ` in ${formatDuration(step.durationMs)}`}\n`);
      },
    });
  } finally {
    log.close();
    await live.stop();
    if (workspace) await removeWorkspace(workspace);
  }
}

async function localPush(dir: string, branch: string | undefined): Promise<PushContext> {
  const sha = await git(dir, ["rev-parse", "HEAD"]);
  const current = branch ?? (await git(dir, ["symbolic-ref", "--quiet", "--short", "HEAD"]).catch(() => "HEAD"));
  const [author, message] = (await git(dir, ["show", "-s", "--format=%an%x00%B", "HEAD"])).split("\0") as [string, string];
  const headCommit = { id: sha, author, message: message.trimEnd() };
  return {
    installationId: 0,
    owner: "local",
    repo: dir.split("/").at(-1) ?? "repo",
    ref: `refs/heads/${current}`,
    before: ZEROS,
    sha,
    pusher: author,
    headCommit,
    commits: [headCommit],
    totalCommits: 1,
    changedFiles: null,
  };
}
