import { findFailedStep } from "../runs/find-failed-step.js";
import type { RunRecord } from "../runs/run-types.js";
import type { CheckRunOutput } from "./check-run-output.js";
import { summarize } from "./summarize.js";

/** GitHub accepts at most 50 annotations per request. */
const ANNOTATION_LIMIT = 50;
const FAILING_TAIL_LINES = 30;

/** The `output` of a completed check run, from the run's record and the tail of its log. */
export function toCheckRunOutput(run: RunRecord, tails: { logTail: string }): CheckRunOutput {
  const result = run.result;
  if (!result) throw new Error(`gantry: run ${run.id} has no result to report`);
  const failed = findFailedStep(result);
  const { title, summary, text } = summarize({
    pipeline: run.pipeline.name,
    ref: run.push.ref,
    sha: run.push.sha,
    conclusion: result.conclusion,
    ...(result.reason ? { reason: result.reason } : {}),
    headCommit: run.push.headCommit,
    commits: run.push.commits,
    totalCommits: run.push.totalCommits,
    steps: result.steps,
    // the failing step ran last, so its output is the end of the log, after its header
    ...(failed ? { failingStep: { name: failed.name, tail: lastStepLines(tails.logTail, failed.name) } } : {}),
    logTail: tails.logTail,
    ...(result.tests ? { tests: result.tests } : {}),
    durationMs: result.durationMs,
  });
  // GitHub refuses an annotation on a file the commit does not have; the summary lists those failures
  const annotations = (result.annotations ?? []).filter((a) => a.inRepository !== false && a.path !== "").slice(0, ANNOTATION_LIMIT).map((a) => ({
    path: a.path,
    start_line: Math.max(1, a.line),
    end_line: Math.max(1, a.line),
    annotation_level: "failure" as const,
    message: a.message,
  }));
  return {
    title,
    summary,
    ...(text ? { text } : {}),
    ...(annotations.length > 0 ? { annotations } : {}),
  };
}

function lastStepLines(logTail: string, stepName: string): string {
  const header = `==> ${stepName}\n`;
  const start = logTail.lastIndexOf(header);
  const output = start === -1 ? logTail : logTail.slice(start + header.length);
  const lines = output.replace(/\n==> [^\n]*\n?$/, "").split("\n");
  return lines.slice(-FAILING_TAIL_LINES).join("\n").trimEnd();
}
