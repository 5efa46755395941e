import type { Logger } from "probot";
import type { PublishDeps } from "../dispatch/publish-runs.js";
import { readLogTail } from "../execution/read-log-tail.js";
import { completeCheckRun, markCheckRunStarted } from "../reporting/check-run.js";
import { toCheckRunOutput, TEXT_LIMIT } from "../reporting/to-check-run-output.js";
import type { RunRecord } from "../storage/run-types.js";

/** A failed status update must not fail the build: the next update carries the state anyway. */
export async function reportStarted(deps: PublishDeps, run: RunRecord, log: Logger): Promise<void> {
  try {
    const octokit = await deps.github.octokit(run.push.installationId);
    await markCheckRunStarted({ octokit, run });
  } catch (error) {
    log.warn({ err: error }, "could not mark the check run in progress");
  }
}

export async function reportCompleted(deps: PublishDeps, run: RunRecord, logPath: string, log: Logger): Promise<void> {
  try {
    const tail = await readLogTail(logPath, { maxChars: TEXT_LIMIT });
    const octokit = await deps.github.octokit(run.push.installationId);
    await completeCheckRun({ octokit, run }, toCheckRunOutput(run, { logTail: tail.text }));
  } catch (error) {
    log.error({ err: error }, "could not report the result on the check run");
  }
}
