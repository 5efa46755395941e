import { RequestError } from "@octokit/request-error";
import type { InstallationOctokit } from "../github/github-app.js";
import type { PushContext } from "../runs/run-types.js";
import { CONFIG_PATH } from "../config/parse-config.js";

/** The config as it is in the pushed commit (not the default branch), or null when the commit has none. */
export async function fetchConfig(octokit: InstallationOctokit, push: PushContext): Promise<string | null> {
  try {
    const response = await octokit.rest.repos.getContent({
      owner: push.owner,
      repo: push.repo,
      path: CONFIG_PATH,
      ref: push.sha,
      mediaType: { format: "raw" },
    });
    return response.data as unknown as string;
  } catch (error) {
    if (error instanceof RequestError && error.status === 404) return null;
    throw error;
  }
}
