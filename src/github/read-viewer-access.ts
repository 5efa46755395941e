import { request } from "@octokit/request";
import { RequestError } from "@octokit/request-error";
import { OAUTH_REQUEST_TIMEOUT_MS } from "./exchange-oauth-code.js";

export interface ViewerAccess {
  userId: number;
  login: string;
  /** GitHub's id of the repository the name leads to now; null when the user cannot see it. */
  repositoryId: number | null;
  /** The user may read (pull) the repository. */
  canRead: boolean;
}

/**
 * Asks GitHub, with the signed-in user's own token, who the user is and whether they may read `owner/repo`:
 * 200 with `permissions.pull`, or 404/403 (GitHub hides repositories a user may not see). Any other failure
 * (GitHub down, a bad token) is thrown: no answer is not a "no".
 */
export async function readViewerAccess(options: { apiBaseUrl: string; token: string; owner: string; repo: string }): Promise<ViewerAccess> {
  const github = request.defaults({
    baseUrl: options.apiBaseUrl,
    headers: { authorization: `token ${options.token}` },
    request: { signal: AbortSignal.timeout(OAUTH_REQUEST_TIMEOUT_MS) },
  });
  const { data: user } = await github("GET /user");
  try {
    const { data: repository } = await github("GET /repos/{owner}/{repo}", { owner: options.owner, repo: options.repo });
    return { userId: Number(user.id), login: user.login, repositoryId: Number(repository.id), canRead: repository.permissions?.pull === true };
  } catch (error) {
    if (error instanceof RequestError && (error.status === 404 || error.status === 403)) {
      return { userId: Number(user.id), login: user.login, repositoryId: null, canRead: false };
    }
    throw error;
  }
}
