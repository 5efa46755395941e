import { findFailedStep } from "../runs/find-failed-step.js";
import type { RunRecord } from "../runs/run-types.js";
import type { CheckRunOutput } from "./check-run-output.js";
import { summarize } from "./summarize.js";

const FAILING_TAIL_LINES = 30;

/**
 * The `output` of a completed check run, from the run's record and the tail of its log; without annotations,
 * which the syncer sends in batches (sortAnnotations says which).
 */
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
    ...(result.caches ? { caches: result.caches } : {}),
    durationMs: result.durationMs,
    ...(result.annotations ? { annotations: result.annotations } : {}),
    ...(result.omittedAnnotations ? { omittedAnnotations: result.omittedAnnotations } : {}),
  });
  return { title, summary, ...(text ? { text } : {}) };
}

function lastStepLines(logTail: string, stepName: string): string {
  const header = `==> ${stepName}\n`;
  const start = logTail.lastIndexOf(header);
  const output = start === -1 ? logTail : logTail.slice(start + header.length);
  const lines = output.replace(/\n==> [^\n]*\n?$/, "").split("\n");
  return lines.slice(-FAILING_TAIL_LINES).join("\n").trimEnd();
}
