import { mkdtempSync, rmSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { JobQueue } from "../../src/backend/queue/job-queue.js";
import type { RunRecord } from "../../src/runs/run-types.js";
import { openDatabase } from "../../src/backend/open-database.js";
import { SqliteStore } from "../../src/backend/storage/sqlite-store.js";
import { DISK_RETRY_MS, runPipeline } from "../../src/worker/run-pipeline.js";
import { readFreeBytes } from "../../src/worker/read-free-bytes.js";
import { EVICT_MARGIN_BYTES } from "../../src/worker/judge-disk-space.js";
import type { CacheStore } from "../../src/worker/caching/cache-store.js";
import { bwrapSandbox } from "../../src/worker/execution/sandbox/bwrap-sandbox.js";
import type { WorkerDeps } from "../../src/worker/worker-deps.js";
import { memoryLog } from "../helpers/memory-log.js";
import { run } from "../backend/storage/store-contract.js";
import { findFailedStep } from "../../src/runs/find-failed-step.js";
import { logDir, logPath, scanPath } from "../../src/runs/log-path.js";
import type { LogScan } from "../../src/runs/log-scan.js";
import { initRepo } from "../helpers/git-repo.js";
import { lineProcessor } from "../helpers/line-processor.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A real store; the queue records what is queued (queueing an existing job again is the queues' own contract). */
function workerDeps(): { deps: WorkerDeps; queued: string[] } {
  const dir = mkdtempSync(join(tmpdir(), "gantry-run-pipeline-"));
  dirs.push(dir);
  const queued: string[] = [];
  const queue: JobQueue = { enqueue: async (id) => void queued.push(id), consume: () => {}, stop: async () => {}, close: async () => {} };
  const unused = () => Promise.reject(new Error("not used by this path"));
  const deps = {
    store: new SqliteStore(openDatabase(dir)),
    queue,
    github: { octokit: unused, app: unused, checkoutToken: unused },
    log: memoryLog().log,
    wakeSyncer: () => {},
    dataDir: dir,
    gitBaseUrl: "http://127.0.0.1:1",
    secretsFile: join(dir, "secrets.yml"),
    passEnv: [],
    serverEnv: {},
    sandbox: bwrapSandbox({ mode: "bwrap", bind: [], hide: [] }),
    nodeId: "test:1",
  } as WorkerDeps;
  return { deps, queued };
}

const needing = (id: string, state: RunRecord["state"]) => {
  const base = run(id, "d1", `after-${id}`, { state });
  return { ...base, pipeline: { ...base.pipeline, needs: ["build"] } };
};

describe("runPipeline, handed a run whose worker died after recording its result", () => {
  it("releases what waited on it, and queues again what was released but maybe never queued", async () => {
    const { deps, queued } = workerDeps();
    const result = { conclusion: "success" as const, steps: [], durationMs: 5 };
    await deps.store.addRuns([run("a", "d1", "build", { state: "completed", result, completedAt: 10 }), needing("b", "waiting"), needing("c", "queued")]);
    expect(await runPipeline(deps, "a", new AbortController().signal)).toBeUndefined();
    expect((await deps.store.getRun("b"))?.state).toBe("queued");
    expect((await deps.store.getRun("a"))?.version).toBe(1);
    expect(queued.sort()).toEqual(["b", "c"]);
  });
});

describe("runPipeline, when the commit cannot be checked out", () => {
  it("records the checkout as step 0 that failed, the steps skipped, as any failing step is recorded", async () => {
    const { deps } = workerDeps();
    // nothing listens on port 1: the fetch fails, with the token in hand
    const withToken = { ...deps, github: { ...deps.github, checkoutToken: async () => "token" } } as WorkerDeps;
    await deps.store.addRuns([run("a", "d1", "build")]);
    expect(await runPipeline(withToken, "a", new AbortController().signal)).toBeUndefined();
    const done = await deps.store.getRun("a");
    expect(done?.state).toBe("completed");
    expect(done?.result).toMatchObject({ conclusion: "failure", reason: "exited with code 128" });
    expect(findFailedStep(done!.result!)?.name).toBe("Checkout");
    expect(done?.result?.steps).toEqual([
      { name: "Checkout", conclusion: "failure", exitCode: 128, durationMs: done!.result!.steps[0]!.durationMs },
      { name: "s", conclusion: "skipped", exitCode: null, durationMs: null },
    ]);
    expect(done?.result?.logTail).toMatch(/^==> Checkout\na{40}\n[\s\S]*127\.0\.0\.1/);
  });

  it("reads no test reports: no step ran, so there is nothing to report on", async () => {
    const { deps } = workerDeps();
    const withToken = { ...deps, github: { ...deps.github, checkoutToken: async () => "token" } } as WorkerDeps;
    const base = run("a", "d1", "build");
    await deps.store.addRuns([{ ...base, pipeline: { ...base.pipeline, reports: { junit: ["**/*.xml"] } } }]);
    await runPipeline(withToken, "a", new AbortController().signal);
    const done = await deps.store.getRun("a");
    expect(done?.result?.conclusion).toBe("failure");
    expect(done?.result).not.toHaveProperty("tests");
  });
});

describe("runPipeline: a log per attempt, scanned", () => {
  /** A real commit to check out, a step that prints an error command, and the test processor. */
  async function scannedRun(overrides: Partial<RunRecord>) {
    const { deps } = workerDeps();
    const repo = await initRepo({ bareDir: join(deps.dataDir, "git", "octo", "app.git") });
    const sha = await repo.commit({ "a.txt": "x" }, "one");
    await repo.push("refs/heads/main", sha);
    await repo.cleanup();
    const base = run("a", "d1", "build", overrides);
    const record = {
      ...base,
      push: { ...base.push, sha },
      pipeline: { ...base.pipeline, steps: [{ name: "Print", run: "echo '::error file=a.txt,line=1::bad'; echo '::error file=gone.txt,line=2::worse'; exit 1", timeoutMs: 30_000 }] },
    };
    const scanned = {
      ...deps,
      gitBaseUrl: join(deps.dataDir, "git"),
      github: { ...deps.github, checkoutToken: async () => "token" },
      createLogProcessor: () => lineProcessor(),
    } as WorkerDeps;
    await deps.store.addRuns([record]);
    return { deps: scanned, sha };
  }

  it("gives a re-run attempt its own log, leaves the one before it, and records the annotations its scan found", async () => {
    // attempt 1's worker died (on another host): this worker takes it as attempt 2
    const { deps } = await scannedRun({ state: "running", attempt: 1, nodeId: "other-host:1", startedAt: 1 });
    await mkdir(logDir(deps.dataDir, "a"), { recursive: true });
    await writeFile(logPath(deps.dataDir, "a", 1), "what attempt 1 printed\n");
    expect(await runPipeline(deps, "a", new AbortController().signal)).toBeUndefined();
    const done = (await deps.store.getRun("a"))!;
    expect(done.attempt).toBe(2);
    expect(await readFile(logPath(deps.dataDir, "a", 1), "utf8")).toBe("what attempt 1 printed\n");
    const second = await readFile(logPath(deps.dataDir, "a", 2), "utf8");
    expect(second).toMatch(/^==> Checkout\n/);
    expect(done.result?.logTail).toBe(second);
    expect(done.result).toMatchObject({
      conclusion: "failure",
      annotations: [
        { path: "a.txt", line: 1, message: "bad", source: "command" },
        { path: "gone.txt", line: 2, message: "worse", inRepository: false },
      ],
    });
    expect(done.result).not.toHaveProperty("omittedAnnotations");
    expect(done.result!.annotations![0]).not.toHaveProperty("inRepository");
    const scan = JSON.parse(await readFile(scanPath(deps.dataDir, "a", 2), "utf8")) as LogScan;
    expect(scan).toMatchObject({ runId: "a", attempt: 2, complete: true, bytes: Buffer.byteLength(second) });
    expect(scan.steps.map((step) => [step.name, step.conclusion])).toEqual([["Checkout", "success"], ["Print", "failure"]]);
  });

  it("starts the log of an attempt that was run before (put back by a shutdown) empty", async () => {
    const { deps } = await scannedRun({});
    await mkdir(logDir(deps.dataDir, "a"), { recursive: true });
    await writeFile(logPath(deps.dataDir, "a", 1), "from before the shutdown\n");
    await writeFile(scanPath(deps.dataDir, "a", 1), JSON.stringify({ bytes: 999_999, complete: true }));
    await runPipeline(deps, "a", new AbortController().signal);
    expect((await deps.store.getRun("a"))!.attempt).toBe(1);
    const text = await readFile(logPath(deps.dataDir, "a", 1), "utf8");
    expect(text).toMatch(/^==> Checkout\n/);
    expect(text).not.toContain("from before the shutdown");
    expect(JSON.parse(await readFile(scanPath(deps.dataDir, "a", 1), "utf8"))).toMatchObject({ bytes: Buffer.byteLength(text), complete: true });
  });
});

describe("runPipeline, on a disk with less free space than GANTRY_MIN_FREE_GB", () => {
  it("leaves the run queued and asks again later, instead of starting it", async () => {
    const { deps } = workerDeps();
    await deps.store.addRuns([run("a", "d1", "build")]);
    const log = memoryLog();
    // more than any disk has: the real free space of the data folder is always below it
    const starved = { ...deps, log: log.log, minFreeBytes: Number.MAX_SAFE_INTEGER };
    expect(await runPipeline(starved, "a", new AbortController().signal)).toEqual({ retryInMs: DISK_RETRY_MS });
    const waiting = await deps.store.getRun("a");
    expect(waiting).toMatchObject({ state: "queued", attempt: 0, nodeId: null });
    expect(log.lines().some((line) => line.includes("less than GANTRY_MIN_FREE_GB"))).toBe(true);
    const free = await readFreeBytes(deps.dataDir);
    expect(free).toBeGreaterThan(0);
    expect(free).toBeLessThan(Number.MAX_SAFE_INTEGER);
  });

  it("records why on the run, reports it again only when the reason changes, and forgets it once the run is taken", async () => {
    const { deps } = workerDeps();
    await deps.store.addRuns([run("a", "d1", "build")]);
    let free = 1.2 * GB;
    let wakes = 0;
    const disk = { ...deps, minFreeBytes: 2 * GB, readFreeBytes: async () => free, wakeSyncer: () => void wakes++ };
    const signal = new AbortController().signal;
    expect(await runPipeline(disk, "a", signal)).toEqual({ retryInMs: DISK_RETRY_MS });
    const first = await deps.store.getRun("a");
    expect(first).toMatchObject({
      state: "queued",
      version: 2,
      waiting: `Waiting for disk space: ${deps.dataDir} has 1.2 GB free, less than GANTRY_MIN_FREE_GB (2.0 GB); it starts when space is freed`,
    });
    expect(wakes).toBe(1);
    // the retries every 30 s: the same words, no new version for the syncer to send
    for (let i = 0; i < 3; i++) expect(await runPipeline(disk, "a", signal)).toEqual({ retryInMs: DISK_RETRY_MS });
    expect(await deps.store.getRun("a")).toEqual(first);
    expect(wakes).toBe(1);
    free = 0.5 * GB;
    await runPipeline(disk, "a", signal);
    expect(await deps.store.getRun("a")).toMatchObject({ version: 3, waiting: expect.stringContaining("has 0.5 GB free") });
    // space freed: the run is taken (and fails at once here: this test's GitHub gives no token)
    free = 3 * GB;
    expect(await runPipeline(disk, "a", signal)).toBeUndefined();
    const done = await deps.store.getRun("a");
    expect(done).toMatchObject({ state: "completed", attempt: 1 });
    expect(done).not.toHaveProperty("waiting");
  });

  it("removes the least recently used caches first, and starts the run when that freed enough", async () => {
    const { deps } = workerDeps();
    await deps.store.addRuns([run("a", "d1", "build")]);
    const log = memoryLog();
    let free = 1 * GB;
    const caches = stubCaches((bytes) => {
      free += bytes;
      return bytes;
    });
    const disk = { ...deps, log: log.log, minFreeBytes: 2 * GB, readFreeBytes: async () => free, caches: caches.store };
    expect(await runPipeline(disk, "a", new AbortController().signal)).toBeUndefined();
    expect(caches.evicted).toEqual([1 * GB + EVICT_MARGIN_BYTES]);
    expect(await deps.store.getRun("a")).toMatchObject({ state: "completed", attempt: 1 });
    expect(log.lines().some((line) => line.includes("removed the least recently used caches"))).toBe(true);
  });

  it("waits when the caches it could remove were not enough, saying what it has then", async () => {
    const { deps } = workerDeps();
    await deps.store.addRuns([run("a", "d1", "build")]);
    let free = 0.2 * GB;
    const caches = stubCaches(() => {
      free += 0.5 * GB;
      return 0.5 * GB;
    });
    const disk = { ...deps, minFreeBytes: 2 * GB, readFreeBytes: async () => free, caches: caches.store };
    expect(await runPipeline(disk, "a", new AbortController().signal)).toEqual({ retryInMs: DISK_RETRY_MS });
    expect(caches.evicted).toHaveLength(1);
    expect((await deps.store.getRun("a"))?.waiting).toContain("has 0.7 GB free");
  });
});

const GB = 2 ** 30;

/** A CacheStore whose evictOldest frees what `evict` says; nothing else of it is used before a run starts. */
function stubCaches(evict: (bytes: number) => number): { store: CacheStore; evicted: number[] } {
  const evicted: number[] = [];
  const unused = () => Promise.reject(new Error("not used before a run starts"));
  const store: CacheStore = {
    find: unused,
    restore: unused,
    prepare: unused,
    save: unused,
    removeUnusedSince: unused,
    list: unused,
    evictOldest: async (bytes) => {
      evicted.push(bytes);
      return evict(bytes);
    },
  };
  return { store, evicted };
}
