import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mayTriggerRuns } from "../../src/dispatch/check-permission.js";
import type { InstallationOctokit } from "../../src/github/github-app.js";
import type { FakeGitHub } from "../fake-github/fake-github.js";
import { startFakeGitHubApp } from "../helpers/fake-github-app.js";

let fake: FakeGitHub;
let octokit: InstallationOctokit;
beforeAll(async () => {
  let github;
  ({ fake, github } = await startFakeGitHubApp());
  const repo = await fake.createRepo("octo", "app");
  octokit = await github.octokit(repo.installationId);
  for (const level of ["admin", "maintain", "write", "triage", "read"] as const) fake.permissions.set(`octo/app:${level}-user`, level);
});
afterAll(() => fake?.close());

describe("mayTriggerRuns", () => {
  it("lets admin, maintain and write through, as GitHub Actions does", async () => {
    for (const user of ["admin-user", "maintain-user", "write-user"]) expect(await mayTriggerRuns(octokit, "octo", "app", user), user).toBe(true);
  });

  it("refuses triage, read and someone who is no collaborator at all (a 404)", async () => {
    for (const user of ["triage-user", "read-user", "stranger"]) expect(await mayTriggerRuns(octokit, "octo", "app", user), user).toBe(false);
  });

  it("asks about the repository of the request, not another one where the user may write", async () => {
    await fake.createRepo("octo", "site");
    expect(await mayTriggerRuns(octokit, "octo", "site", "admin-user")).toBe(false);
    expect(fake.requests.at(-1)?.path).toBe("/repos/octo/site/collaborators/admin-user/permission");
  });

  it("throws when GitHub cannot answer, rather than deciding either way", async () => {
    fake.failNext("GET", /\/collaborators\/admin-user\/permission$/, 403);
    await expect(mayTriggerRuns(octokit, "octo", "app", "admin-user")).rejects.toMatchObject({ status: 403 });
  });
});
