import type { Probot, ProbotOctokit } from "probot";
import { cacheCheckoutTokens } from "./checkout-token-cache.js";

export type InstallationOctokit = ProbotOctokit;

/** What the run path needs from GitHub, behind one seam so tests and the CLI can stand in for it. */
export interface GitHubApp {
  octokit(installationId: number): Promise<InstallationOctokit>;
  /** Authenticated as the app itself (JWT), for app-level APIs such as webhook deliveries. */
  app(): Promise<ProbotOctokit>;
  /**
   * A token for git only: limited to one repository and to reading its contents, so a token that leaked
   * from a checkout could do nothing else. Reused while it stays valid for CHECKOUT_TOKEN_MARGIN_MS.
   */
  checkoutToken(installationId: number, repo: string): Promise<string>;
}

/** `now` is the clock tokens' expiry is judged by (a test's, to see one renewed). */
export function githubAppFromProbot(probot: Probot, now: () => number = Date.now): GitHubApp {
  const checkoutToken = cacheCheckoutTokens(async (installationId, repo) => {
    // through the app's own client: Probot's installation auth would ask api.github.com even on GHES
    const app = await probot.auth();
    const { data } = await app.rest.apps.createInstallationAccessToken({
      installation_id: installationId,
      repositories: [repo],
      permissions: { contents: "read" },
    });
    return { token: data.token, expiresAt: Date.parse(data.expires_at) };
  }, now);
  return {
    octokit: (installationId) => probot.auth(installationId),
    app: () => probot.auth(),
    checkoutToken,
  };
}
