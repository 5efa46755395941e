import { createProbotApp } from "../../src/app/create-probot-app.js";
import { githubAppFromProbot, type GitHubApp } from "../../src/github/github-app.js";
import { createAppKey } from "../fake-github/app-key.js";
import { startFakeGitHub, type FakeGitHub } from "../fake-github/fake-github.js";

/** The in-process fake GitHub on port 0, and gantry's real GitHub client (Probot) registered with it as app 77. */
export async function startFakeGitHubApp(): Promise<{ fake: FakeGitHub; github: GitHubApp }> {
  const key = createAppKey();
  const fake = await startFakeGitHub({ appId: 77, publicKey: key.publicKey });
  const probot = createProbotApp({ APP_ID: "77", PRIVATE_KEY: key.privateKey, GHE_HOST: fake.host, GHE_PROTOCOL: "http", LOG_LEVEL: "error" });
  await probot.ready();
  return { fake, github: githubAppFromProbot(probot) };
}
