import type { Probot, ProbotOctokit } from "probot";

export type InstallationOctokit = ProbotOctokit;

/** What the run path needs from GitHub, behind one seam so tests and the CLI can stand in for it. */
export interface GitHubApp {
  octokit(installationId: number): Promise<InstallationOctokit>;
  /** A fresh installation token, for git only. */
  token(installationId: number): Promise<string>;
}

export function githubAppFromProbot(probot: Probot): GitHubApp {
  return {
    octokit: (installationId) => probot.auth(installationId),
    async token(installationId) {
      const octokit = await probot.auth(installationId);
      const auth = (await octokit.auth({ type: "installation" })) as { token: string };
      return auth.token;
    },
  };
}
