import type { Logger } from "probot";
import type { GitHubApp } from "../github/github-app.js";
import type { JobQueue } from "../queue/job-queue.js";
import { createCheckRun } from "../reporting/check-run.js";
import { toCheckRunOutput } from "../reporting/to-check-run-output.js";
import type { RunRecord } from "../storage/run-types.js";
import type { Store } from "../storage/store.js";

export interface PublishDeps {
  store: Store;
  queue: JobQueue;
  github: GitHubApp;
  publicUrl: string | null;
  log: Logger;
}

/**
 * Makes recorded runs visible on the commit and hands the runnable ones to the queue. Safe to repeat after
 * a crash: runs that already have a check run are not created again, and enqueueing is idempotent.
 */
export async function publishRuns(deps: PublishDeps, runs: RunRecord[]): Promise<void> {
  const unpublished = runs.filter((run) => run.checkRunId === null);
  if (unpublished.length > 0) {
    const octokit = await deps.github.octokit(unpublished[0]!.push.installationId);
    for (const run of unpublished) {
      const output = run.state === "completed" ? toCheckRunOutput(run, { logTail: "" }) : undefined;
      const checkRunId = await createCheckRun(
        { octokit, run },
        { detailsUrl: detailsUrl(deps.publicUrl, run), ...(output ? { output } : {}) },
      );
      await deps.store.setCheckRunId(run.id, checkRunId);
      run.checkRunId = checkRunId;
    }
  }
  for (const run of runs) {
    if (run.state === "queued") await deps.queue.enqueue(run.id);
  }
}

export function detailsUrl(publicUrl: string | null, run: RunRecord): string | null {
  return publicUrl ? `${publicUrl}/runs/${run.id}` : null;
}
