import { RequestError } from "@octokit/request-error";
import type { InstallationOctokit } from "../github/github-app.js";

const MAY_RUN = new Set(["admin", "maintain", "write"]);

/** Whether `username` may re-run or cancel builds of the repository: write access, as GitHub Actions asks. */
export async function mayTriggerRuns(octokit: InstallationOctokit, owner: string, repo: string, username: string): Promise<boolean> {
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username });
    return MAY_RUN.has(data.permission) || MAY_RUN.has(data.role_name);
  } catch (error) {
    // not a collaborator at all
    if (error instanceof RequestError && error.status === 404) return false;
    throw error;
  }
}
