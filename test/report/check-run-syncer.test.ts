import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createProbotApp } from "../../src/app/create-probot-app.js";
import { githubAppFromProbot, type GitHubApp } from "../../src/github/github-app.js";
import { openDatabase } from "../../src/backend/open-database.js";
import { SqliteStore } from "../../src/backend/storage/sqlite-store.js";
import { createCheckRunSyncer } from "../../src/report/check-run-syncer.js";
import { createAppKey } from "../fake-github/app-key.js";
import { startFakeGitHub, type FakeGitHub, type HostedRepo } from "../fake-github/fake-github.js";
import { memoryLog } from "../helpers/memory-log.js";
import { run as makeRun } from "../backend/storage/store-contract.js";

let dir: string;
let fake: FakeGitHub;
let github: GitHubApp;
let store: SqliteStore;
let repo: HostedRepo;
let sha: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gantry-syncer-"));
  const key = createAppKey();
  fake = await startFakeGitHub({ appId: 77, publicKey: key.publicKey });
  repo = await fake.createRepo("octo", "app");
  sha = await repo.commit({ "a.txt": "1" }, "first");
  await repo.push("refs/heads/main", sha);
  const probot = createProbotApp({ APP_ID: "77", PRIVATE_KEY: key.privateKey, GHE_HOST: fake.host, GHE_PROTOCOL: "http", LOG_LEVEL: "error" });
  await probot.ready();
  github = githubAppFromProbot(probot);
  store = new SqliteStore(openDatabase(dir));
});
afterEach(async () => {
  await store.close();
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

function runOf(id: string, overrides: Parameters<typeof makeRun>[3] = {}) {
  const base = makeRun(id, `delivery-${id}`, "build");
  return { ...base, push: { ...base.push, sha }, ...overrides };
}

async function sync(): Promise<void> {
  const syncer = createCheckRunSyncer({ store, github, log: memoryLog().log, dataDir: dir, publicUrl: null, nodeId: "test-host:1" });
  syncer.wake();
  await syncer.drain(10_000);
  await syncer.stop();
}

describe("the check-run syncer", () => {
  it("creates a run's check run once, marking the create before it is sent", async () => {
    await store.addRuns([runOf("11111111-1111-1111-1111-111111111111")]);
    await sync();
    const checkRuns = fake.checkRunsFor("octo", "app");
    expect(checkRuns.map((c) => [c.external_id, c.status])).toEqual([["11111111-1111-1111-1111-111111111111", "queued"]]);
    const stored = await store.getRun("11111111-1111-1111-1111-111111111111");
    expect(stored).toMatchObject({ checkRunId: checkRuns[0]!.id, syncedVersion: 1 });
    expect(stored!.createRequestedAt).toBeGreaterThan(0);
  });

  it("after a crash between create and record, finds the check run GitHub already has instead of creating a second", async () => {
    const id = "22222222-2222-2222-2222-222222222222";
    // the create went out and reached GitHub; the process died before it recorded the id
    const octokit = await github.octokit(repo.installationId);
    const { data } = await octokit.rest.checks.create({ owner: "octo", repo: "app", name: "build", head_sha: sha, external_id: id, status: "queued" });
    await store.addRuns([runOf(id, { createRequestedAt: Date.now() - 1_000, state: "completed", result: { conclusion: "success", steps: [], durationMs: 5 } })]);
    await sync();
    const checkRuns = fake.checkRunsFor("octo", "app");
    expect(checkRuns.map((c) => [c.id, c.status, c.conclusion])).toEqual([[data.id, "completed", "success"]]);
    expect((await store.getRun(id))?.checkRunId).toBe(data.id);
  });
});
