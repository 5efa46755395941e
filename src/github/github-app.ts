import type { Probot, ProbotOctokit } from "probot";

export type InstallationOctokit = ProbotOctokit;

/** What the run path needs from GitHub, behind one seam so tests and the CLI can stand in for it. */
export interface GitHubApp {
  octokit(installationId: number): Promise<InstallationOctokit>;
  /** Authenticated as the app itself (JWT), for app-level APIs such as webhook deliveries. */
  app(): Promise<ProbotOctokit>;
  /**
   * A fresh token for git only: limited to one repository and to reading its contents, so a token that leaked
   * from a checkout could do nothing else.
   */
  checkoutToken(installationId: number, repo: string): Promise<string>;
}

export function githubAppFromProbot(probot: Probot): GitHubApp {
  return {
    octokit: (installationId) => probot.auth(installationId),
    app: () => probot.auth(),
    async checkoutToken(installationId, repo) {
      // through the app's own client: Probot's installation auth would ask api.github.com even on GHES
      const app = await probot.auth();
      const { data } = await app.rest.apps.createInstallationAccessToken({
        installation_id: installationId,
        repositories: [repo],
        permissions: { contents: "read" },
      });
      return data.token;
    },
  };
}
