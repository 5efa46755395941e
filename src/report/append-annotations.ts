import type { InstallationOctokit } from "../github/github-app.js";
import type { RunRecord } from "../runs/run-types.js";
import type { CheckAnnotation, CheckRunOutput } from "./check-run-output.js";

/**
 * Adds `annotations` (at most ANNOTATIONS_PER_REQUEST) to the run's check run, which GitHub appends to those it
 * has. GitHub takes annotations only inside an `output`, whose title and summary it requires: the run's output
 * goes with them again, unchanged.
 */
export async function appendAnnotations(
  octokit: InstallationOctokit,
  run: RunRecord,
  checkRunId: number,
  output: CheckRunOutput,
  annotations: CheckAnnotation[],
): Promise<void> {
  const { title, summary, text } = output;
  await octokit.rest.checks.update({
    owner: run.push.owner,
    repo: run.push.repo,
    check_run_id: checkRunId,
    output: { title, summary, ...(text === undefined ? {} : { text }), annotations },
  });
}
