import type { InstallationOctokit } from "../github/github-app.js";
import type { RunRecord } from "../runs/run-types.js";
import type { CheckRunState } from "./check-run-body.js";

/** Shows `state` on the run's check run, creating it when the run has none yet; returns the check run id. */
export async function syncCheckRun(
  octokit: InstallationOctokit,
  run: RunRecord,
  state: CheckRunState,
  options: { detailsUrl: string | null },
): Promise<number> {
  const target = { owner: run.push.owner, repo: run.push.repo };
  if (run.checkRunId === null) {
    const { data } = await octokit.rest.checks.create({
      ...target,
      name: run.pipeline.name,
      head_sha: run.push.sha,
      external_id: run.id,
      ...(options.detailsUrl ? { details_url: options.detailsUrl } : {}),
      ...state,
    });
    return data.id;
  }
  await octokit.rest.checks.update({ ...target, check_run_id: run.checkRunId, ...state });
  return run.checkRunId;
}
