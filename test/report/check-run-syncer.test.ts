import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { GitHubApp } from "../../src/github/github-app.js";
import { openDatabase } from "../../src/backend/open-database.js";
import { SqliteStore } from "../../src/backend/storage/sqlite-store.js";
import { createCheckRunSyncer } from "../../src/report/check-run-syncer.js";
import type { FakeGitHub, HostedRepo } from "../fake-github/fake-github.js";
import { startFakeGitHubApp } from "../helpers/fake-github-app.js";
import { eventually } from "../helpers/eventually.js";
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
  ({ fake, github } = await startFakeGitHubApp());
  repo = await fake.createRepo("octo", "app");
  sha = await repo.commit({ "a.txt": "1" }, "first");
  await repo.push("refs/heads/main", sha);
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

async function sync(log = memoryLog().log): Promise<void> {
  const syncer = createCheckRunSyncer({ store, github, log, dataDir: dir, publicUrl: null, nodeId: "test-host:1" });
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

  it("gives up a state GitHub refuses for good (a 422), logging it, and sends the run's next state", async () => {
    const id = "33333333-3333-3333-3333-333333333333";
    await store.addRuns([runOf(id)]);
    fake.failNext("POST", /\/repos\/octo\/app\/check-runs$/, 422);
    const memory = memoryLog();
    await sync(memory.log);
    expect(fake.checkRunsFor("octo", "app")).toEqual([]);
    const refused = memory.lines().filter((line) => line.includes("giving it up"));
    expect(refused).toHaveLength(1);
    expect(JSON.parse(refused[0]!)).toMatchObject({ level: 50, run: id });
    // given up, not left to be retried: nothing is unsynced now, however late one looks
    expect(await store.claimUnsynced("probe", Date.now() + 24 * 3600_000, 10, 1)).toEqual([]);
    expect(fake.requests.filter((r) => r.method === "POST" && r.path.endsWith("/check-runs"))).toHaveLength(1);
    // the run's next change is sent as usual
    await store.updateRun(id, [], { state: "completed", completedAt: Date.now(), result: { conclusion: "success", steps: [], durationMs: 1 } });
    await store.markSynced(id, 0, { notBefore: 0 }); // the probe's lease lapses
    await sync();
    expect(fake.checkRunsFor("octo", "app").map((c) => [c.external_id, c.conclusion])).toEqual([[id, "success"]]);
  });

  it("retries a 5xx (after Octokit's own retries) in 1 s, the next failure in 5 s, and then gets the check run through", async () => {
    const id = "44444444-4444-4444-4444-444444444444";
    await store.addRuns([runOf(id)]);
    const creates = () => fake.requests.filter((r) => r.method === "POST" && r.path.endsWith("/check-runs")).length;
    const memory = memoryLog();
    // one syncer throughout: it counts a run's failures to choose the next delay
    const syncer = createCheckRunSyncer({ store, github, log: memory.log, dataDir: dir, publicUrl: null, nodeId: "test-host:1" });
    const attempt = async (expectedDelayMs: number) => {
      const before = Date.now();
      syncer.wake();
      await syncer.drain(30_000);
      const after = Date.now();
      // due again not before the delay (counted from the start of the attempt), and by its end (from its end)
      expect(await store.claimUnsynced("probe", before + expectedDelayMs - 1, 10, 0)).toEqual([]);
      expect(await store.claimUnsynced("probe", after + expectedDelayMs, 10, 0)).toHaveLength(1);
    };
    try {
      // every try of the first attempt fails: Octokit's first and its 3 retries
      fake.failNext("POST", /\/repos\/octo\/app\/check-runs$/, 502, 4);
      await attempt(1_000);
      expect(creates()).toBe(4);
      // a 403 is not retried by Octokit, nor given up by the syncer
      fake.failNext("POST", /\/repos\/octo\/app\/check-runs$/, 403, 1);
      await eventually("the first retry to be due", async () => (await store.claimUnsynced("probe", Date.now(), 10, 0)).length === 1);
      await attempt(5_000);
      expect(creates()).toBe(5);
      const retries = memory.lines().filter((line) => line.includes("check run not updated"));
      expect(retries.map((line) => JSON.parse(line) as { run: string; attempt: number; status: number; msg: string }).map((l) => [l.run, l.attempt, l.status, l.msg.split(":")[0]])).toEqual([
        [id, 1, 502, "check run not updated, retrying in 1s"],
        [id, 2, 403, "check run not updated, retrying in 5s"],
      ]);
      expect(fake.checkRunsFor("octo", "app")).toEqual([]);
      await eventually("the second retry to be due", async () => (await store.claimUnsynced("probe", Date.now(), 10, 0)).length === 1);
      syncer.wake();
      await syncer.drain(10_000);
    } finally {
      await syncer.stop();
    }
    expect(fake.checkRunsFor("octo", "app").map((c) => c.external_id)).toEqual([id]);
  }, 60_000);
});
