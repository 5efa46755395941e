import type { InstallationOctokit } from "../github/github-app.js";
import type { RunRecord } from "../runs/run-types.js";

/** The id of the check run GitHub already has for this run (found by its `external_id`), or null. */
export async function findCheckRun(octokit: InstallationOctokit, run: RunRecord): Promise<number | null> {
  const checkRuns = await octokit.paginate(octokit.rest.checks.listForRef, {
    owner: run.push.owner,
    repo: run.push.repo,
    ref: run.push.sha,
    check_name: run.pipeline.name,
    filter: "all",
    per_page: 100,
  });
  return checkRuns.find((checkRun) => checkRun.external_id === run.id)?.id ?? null;
}
