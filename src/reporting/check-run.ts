import type { InstallationOctokit } from "../github/github-app.js";
import type { RunRecord } from "../storage/run-types.js";
import type { CheckRunOutput } from "./to-check-run-output.js";

interface Target {
  octokit: InstallationOctokit;
  run: RunRecord;
}

/** Creates the run's check run: `queued` while it waits, or already `completed` when planning decided it all. */
export async function createCheckRun(
  { octokit, run }: Target,
  options: { detailsUrl: string | null; output?: CheckRunOutput },
): Promise<number> {
  const base = {
    owner: run.push.owner,
    repo: run.push.repo,
    name: run.pipeline.name,
    head_sha: run.push.sha,
    external_id: run.id,
    ...(options.detailsUrl ? { details_url: options.detailsUrl } : {}),
  };
  const response =
    run.state === "completed" && run.result
      ? await octokit.rest.checks.create({
          ...base,
          status: "completed",
          conclusion: run.result.conclusion,
          completed_at: new Date(run.completedAt ?? Date.now()).toISOString(),
          ...(options.output ? { output: options.output } : {}),
        })
      : await octokit.rest.checks.create({ ...base, status: "queued" });
  return response.data.id;
}

export async function markCheckRunStarted({ octokit, run }: Target): Promise<void> {
  await octokit.rest.checks.update({
    owner: run.push.owner,
    repo: run.push.repo,
    check_run_id: checkRunIdOf(run),
    status: "in_progress",
    started_at: new Date(run.startedAt ?? Date.now()).toISOString(),
  });
}

export async function completeCheckRun({ octokit, run }: Target, output: CheckRunOutput): Promise<void> {
  if (!run.result) throw new Error(`gantry: run ${run.id} has no result to report`);
  await octokit.rest.checks.update({
    owner: run.push.owner,
    repo: run.push.repo,
    check_run_id: checkRunIdOf(run),
    status: "completed",
    conclusion: run.result.conclusion,
    completed_at: new Date(run.completedAt ?? Date.now()).toISOString(),
    output,
  });
}

function checkRunIdOf(run: RunRecord): number {
  if (run.checkRunId === null) throw new Error(`gantry: run ${run.id} has no check run yet`);
  return run.checkRunId;
}
