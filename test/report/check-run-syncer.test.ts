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
import type { Store } from "../../src/backend/storage/store.js";
import type { Annotation, AnnotationLevel, RunRecord } from "../../src/runs/run-types.js";

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

async function sync(log = memoryLog().log, through: Store = store): Promise<void> {
  const syncer = createCheckRunSyncer({ store: through, github, log, dataDir: dir, publicUrl: null, nodeId: "test-host:1" });
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

  describe("annotations", () => {
    const LEVELS: AnnotationLevel[] = ["failure", "warning", "notice"];
    /** `count` annotations on a.txt, levels mixed, plus two GitHub cannot show and a repeat of the first. */
    const annotationsOf = (count: number): Annotation[] => {
      const onFiles = Array.from({ length: count }, (_, i): Annotation => ({ path: "a.txt", line: i + 1, level: LEVELS[i % 3]!, message: `problem ${i + 1}`, source: "tsc", logLine: i + 10 }));
      return [...onFiles, { path: "", line: 0, message: "Segmentation fault" }, { path: "/usr/include/x.h", line: 2, message: "outside", inRepository: false }, { ...onFiles[0]!, source: "junit" }];
    };
    // what GitHub should end up with, worked out apart from the code under test: failures, warnings, notices, each in log order
    const expectedLines = (count: number) => LEVELS.flatMap((level, l) => Array.from({ length: count }, (_, i) => i + 1).filter((line) => (line - 1) % 3 === l).map((line) => [line, level]));
    const completed = (id: string, annotations: Annotation[], omittedAnnotations?: number): RunRecord =>
      runOf(id, { state: "completed", completedAt: Date.now(), result: { conclusion: "failure", steps: [], durationMs: 5, annotations, ...(omittedAnnotations === undefined ? {} : { omittedAnnotations }) } });
    const annotated = () => fake.requests.filter((r) => r.path.includes("/check-runs") && (r.body as { output?: { annotations?: unknown[] } } | null)?.output?.annotations !== undefined);
    const onCheckRun = () => fake.checkRunsFor("octo", "app")[0]!.annotations.map((a) => [a["start_line"], a["annotation_level"]]);
    const noneTwice = () => {
      const sent = fake.checkRunsFor("octo", "app")[0]!.annotations.map((a) => JSON.stringify(a));
      expect(new Set(sent).size).toBe(sent.length);
    };

    it("sends a completed run's 120 annotations 50 to a request across updates, failures first, none twice, and none again for a later version", async () => {
      const id = "55555555-5555-5555-5555-555555555555";
      await store.addRuns([completed(id, annotationsOf(120))]);
      await sync();
      const requests = annotated();
      expect(requests.map((r) => [r.method, r.status, (r.body as { output: { annotations: unknown[] } }).output.annotations.length])).toEqual([
        ["POST", 201, 50],
        ["PATCH", 200, 50],
        ["PATCH", 200, 20],
      ]);
      // the first carries the completed state; the others the same output again, as GitHub requires with annotations
      const first = requests[0]!.body as { status: string; conclusion: string; output: { title: string; summary: string } };
      expect(first).toMatchObject({ status: "completed", conclusion: "failure" });
      for (const later of requests.slice(1)) {
        expect((later.body as { output: { title: string; summary: string } }).output).toMatchObject({ title: first.output.title, summary: first.output.summary });
      }
      expect(onCheckRun()).toEqual(expectedLines(120));
      noneTwice();
      const checkRun = fake.checkRunsFor("octo", "app")[0]!;
      expect(checkRun.output.annotations_count).toBe(120);
      expect(checkRun.output.summary).toContain("42 failures, 40 warnings, 40 notices: 120 shown on the files they name, 2 not on a file of this commit");
      expect(checkRun.output.summary).toContain("| failure | — | Segmentation fault |");
      expect(await store.getRun(id)).toMatchObject({ annotationsSent: 120, syncedVersion: 1, checkRunId: checkRun.id });
      // a later change of the run is reported without sending again what GitHub has
      await store.updateRun(id, [], { cancelRequested: "too late" });
      const before = fake.requests.length;
      await sync();
      const resync = fake.requests.slice(before).filter((r) => r.path.includes("/check-runs/"));
      expect(resync.map((r) => [r.method, (r.body as { output?: { annotations?: unknown } }).output?.annotations])).toEqual([["PATCH", undefined]]);
      expect(fake.checkRunsFor("octo", "app")[0]!.annotations).toHaveLength(120);
      expect((await store.getRun(id))?.syncedVersion).toBe(2);
    });

    it("after a failed request between batches, resumes with the batch GitHub did not get", async () => {
      const id = "66666666-6666-6666-6666-666666666666";
      await store.addRuns([completed(id, annotationsOf(120))]);
      // the second batch fails (a 403, as GitHub's secondary rate limit answers, which Octokit does not retry);
      // the first got through with the completed state
      fake.failNext("PATCH", /\/repos\/octo\/app\/check-runs\/\d+$/, 403, 1);
      await sync();
      expect(fake.checkRunsFor("octo", "app")[0]!.annotations).toHaveLength(50);
      expect(await store.getRun(id)).toMatchObject({ annotationsSent: 50, syncedVersion: 0 });
      await eventually("the retry to be due", async () => (await store.claimUnsynced("probe", Date.now(), 10, 0)).length === 1);
      const before = fake.requests.length;
      await sync();
      const resumed = fake.requests.slice(before).filter((r) => r.path.includes("/check-runs/"));
      expect(resumed.map((r) => [r.method, r.status, (r.body as { status?: string; output: { annotations: Array<{ start_line: number }> } }).output.annotations.length])).toEqual([
        ["PATCH", 200, 50],
        ["PATCH", 200, 20],
      ]);
      // the retry sends the completed state again, with the next batch
      expect(resumed[0]!.body).toMatchObject({ status: "completed", conclusion: "failure" });
      expect(onCheckRun()).toEqual(expectedLines(120));
      noneTwice();
      expect(await store.getRun(id)).toMatchObject({ annotationsSent: 120, syncedVersion: 1 });
    }, 30_000);

    it("after a crash between a batch reaching GitHub and its record, sends that one batch again and no other", async () => {
      const id = "77777777-7777-7777-7777-777777777777";
      await store.addRuns([completed(id, annotationsOf(120))]);
      // the process dies once GitHub has the second batch, before the store has its count
      const crashing = new Proxy(store, {
        get(target, name) {
          if (name === "updateRun") {
            return async (...args: Parameters<Store["updateRun"]>) => {
              if (args[2].annotationsSent === 100) throw new Error("crashed");
              return target.updateRun(...args);
            };
          }
          const value = Reflect.get(target, name) as unknown;
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
      await sync(memoryLog().log, crashing);
      expect(fake.checkRunsFor("octo", "app")[0]!.annotations).toHaveLength(100);
      expect((await store.getRun(id))?.annotationsSent).toBe(50);
      await eventually("the retry to be due", async () => (await store.claimUnsynced("probe", Date.now(), 10, 0)).length === 1);
      await sync();
      const sent = fake.checkRunsFor("octo", "app")[0]!.annotations.map((a) => [a["start_line"], a["annotation_level"]]);
      const expected = expectedLines(120);
      expect(sent).toEqual([...expected.slice(0, 100), ...expected.slice(50)]);
      expect((await store.getRun(id))?.annotationsSent).toBe(120);
    }, 30_000);

    it("sends a run's 1,000 annotations in 20 requests (Octokit spaces writes 1 s apart) and says in the summary how many more were left out", async () => {
      const id = "88888888-8888-8888-8888-888888888888";
      await store.addRuns([completed(id, annotationsOf(1000), 4321)]);
      await sync();
      const sizes = annotated().map((r) => (r.body as { output: { annotations: unknown[] } }).output.annotations.length);
      expect(sizes).toEqual([...Array.from({ length: 19 }, () => 50), 48]);
      const checkRun = fake.checkRunsFor("octo", "app")[0]!;
      // 1,000 kept in all: the two GitHub cannot show are failures among them, so the last two notices fall over the cap
      expect(checkRun.annotations).toHaveLength(998);
      noneTwice();
      expect(checkRun.output.summary).toContain("4,323 more annotations left out: a run keeps at most 1,000.");
      expect(checkRun.output.summary).toContain("336 failures, 333 warnings, 331 notices: 998 shown on the files they name, 2 not on a file of this commit");
    }, 30_000);
  });
});
