import { execFile } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { openDatabase } from "../src/backend/open-database.js";
import { SqliteStore } from "../src/backend/storage/sqlite-store.js";
import type { CacheReport, RunResult } from "../src/runs/run-types.js";
import type { FakeGitHub, HostedRepo } from "../test/fake-github/fake-github.js";
import { measureStoreAlone, type StoreAloneResult } from "./cache-store-alone.js";
import { checkRunTimings } from "./checks.js";
import { installationToken, startFake, type Push } from "./fake.js";
import { logTime } from "./first-step.js";
import { startGantry, type GantryNode } from "./gantry.js";
import { deliver, pushEvent } from "./payloads.js";
import { baseEnv, ROOT, runTracked, sleep, stopTracked } from "./processes.js";
import { summarize, type Summary } from "./stats.js";

const run = promisify(execFile);

/** The project rebuilt: a real TypeScript project whose lock file is the registry's (bench/fixtures/rebuild-project). */
export const REBUILD_FIXTURE = join(ROOT, "bench", "fixtures", "rebuild-project");
/** The source file each warm push changes (as a developer's edit would: same lock file, so the cache's key hits). */
const CHANGED_FILE = "src/format-duration.ts";

export interface RebuildOptions {
  scratch: string;
  /** Warm pushes measured, each beside one by-hand `npm test` (alternately, so drifting load hits both alike). */
  iterations: number;
  /** GANTRY_SANDBOX for gantry's server: "bwrap" (the default, as the other suites run) or "off". */
  sandbox: "bwrap" | "off";
  /** false: the pipeline's `cache:` is left out of the fixture's config (a gantry without caches refuses it). */
  cache: boolean;
}

/** One push through gantry: ms from the delivery sent to the check run completed, and what the run recorded. */
export interface RebuildPush {
  commit: string;
  /** gantry's run id (the check run's external_id). */
  run: string;
  /** Epoch ms when the fake GitHub took the PATCH that completed the check run. */
  completedAt: number;
  completedMs: number;
  /** ms after the delivery was sent: the worker took the run ("pipeline started"), and logged its end (after the workspace's removal). */
  takenMs: number;
  endedMs: number;
  /** The pipeline's own duration (the run's result: checkout, cache restore, steps). */
  pipelineMs: number | null;
  /** Per step (checkout first), ms. */
  steps: Array<{ name: string; durationMs: number | null }>;
  caches: CacheReport[];
  /** Whether its restore took the tree unpacked ahead after the previous run (the log says so). */
  tookPrepared: boolean;
  /**
   * ms from the check run completed until gantry had unpacked the cache again for the next push (after the run,
   * off this push's path); the next by-hand `npm test` starts only after it, so the two never share the CPU.
   * Null: caches off, or nothing was prepared within the wait.
   */
  preparedAfterMs: number | null;
}

export interface RebuildResult {
  sandbox: "bwrap" | "off";
  cache: boolean;
  /** openCacheStore by itself on the by-hand clone's node_modules and ~/.npm, beside GNU tar and cp -a. */
  storeAlone: StoreAloneResult;
  /** Entries (`node_modules/…`) in the fixture's package-lock.json. */
  lockPackages: number;
  /** The by-hand floor: `npm ci` once (not in the ratio), then `npm test` in that clone, ms per round. */
  baselineInstallMs: number;
  baseline: Summary;
  baselineSamples: number[];
  /** Push 1: nothing cached, `npm ci` from the registry, the cache saved. */
  cold: RebuildPush;
  warm: RebuildPush[];
  warmCompleted: Summary;
  warmPipeline: Summary;
  /** gantry warm (push → check run completed) ÷ baseline, per pair. */
  ratio: Summary;
  /** The same with the pipeline's own duration (no GitHub, no queueing). */
  pipelineRatio: Summary;
  /** Where a warm push's time goes besides the pipeline, ms: delivery → taken; after the pipeline until its end was logged (workspace removed); then → check run completed. */
  warmTaken: Summary;
  warmCleanup: Summary;
  warmReported: Summary;
  /** Warm pushes' cache restore, ms (from the run's result). */
  warmRestore: Summary;
  /** Warm pushes whose restore took the tree unpacked ahead. */
  warmTookPrepared: number;
  /** After each push, until the next push's tree was unpacked ahead, ms (off the push's path). */
  preparedAfter: Summary;
}

/**
 * Benchmark 9: a rebuild of a real project with dependencies from the registry. By hand: `npm test` in a clone
 * where `npm ci` already ran. gantry: push 1 (cache miss: `npm ci`, save), then pushes changing one source file
 * (same lock file: the cache restores node_modules, the install step is skipped), push → check run completed.
 */
export async function benchRebuild(options: RebuildOptions, log: (line: string) => void): Promise<RebuildResult> {
  const files = fixtureFiles(options.cache);
  const lockPackages = Object.keys((JSON.parse(files["package-lock.json"]!) as { packages: Record<string, unknown> }).packages).filter((k) => k.startsWith("node_modules/")).length;
  const { fake, app } = await startFake(join(options.scratch, "rebuild-repos"));
  let server: GantryNode | null = null;
  let stopped = false;
  try {
    const repo = await fake.createRepo("bench", "rebuild-project", { installationId: 1 });
    const dataDir = join(options.scratch, "rebuild-data");
    // gantry's own HOME in the scratch: with GANTRY_SANDBOX=off a step's ~/.npm is the server's, and must start empty
    const serverHome = join(options.scratch, "rebuild-server-home");
    mkdirSync(serverHome, { recursive: true });
    const node = await startGantry({
      name: "rebuild",
      app,
      dataDir,
      scratch: options.scratch,
      env: { GANTRY_CONCURRENCY: "1", GANTRY_SANDBOX: options.sandbox, HOME: serverHome },
    });
    server = node;
    // the by-hand clone and its one install, from the same git server gantry fetches from
    const hand = await handClone(fake, app, repo, files, options.scratch);
    log(`  by hand: npm ci ${hand.installMs.toFixed(0)} ms (not counted); ${lockPackages} packages in the lock file`);
    const storeAlone = await measureStoreAlone(hand.roots, options.scratch);
    log(`  the cache store alone on those trees: ${describeStoreAlone(storeAlone)}`);

    let previous = (await repo.resolve("refs/heads/main")) ?? "0".repeat(40);
    const pushOnce = async (changes: Record<string, string>, message: string): Promise<RebuildPush> => {
      const sha = await repo.commit(changes, message);
      await repo.push("refs/heads/main", sha);
      const push: Push = { repo, before: previous, after: sha, message };
      previous = sha;
      const timed = await timePush(fake, node, app.secret, push);
      if (options.cache) timed.preparedAfterMs = await waitForPrepared(join(dataDir, "caches"), timed.completedAt);
      return timed;
    };

    const cold = await pushOnce(files, "the project, as cloned");
    log(`  push 1 (cold): ${cold.completedMs.toFixed(0)} ms to completed`);
    await sleep(1_100);

    const baselineSamples: number[] = [];
    const warm: RebuildPush[] = [];
    for (let i = 1; i <= options.iterations; i++) {
      const edit = editedSource(files[CHANGED_FILE]!, i);
      baselineSamples.push(await hand.test(edit));
      warm.push(await pushOnce({ [CHANGED_FILE]: edit }, `edit ${i}`));
      log(`  push ${i + 1} (warm): ${warm.at(-1)!.completedMs.toFixed(0)} ms to completed; by hand npm test ${baselineSamples.at(-1)!.toFixed(0)} ms`);
      // let the write throttle (one write a second per installation) clear
      await sleep(1_100);
    }
    // the store is gantry's alone while it runs (an exclusive lock): its records are read once it stopped
    await stopTracked(node.proc, "SIGTERM");
    stopped = true;
    await readRecords(dataDir, [cold, ...warm]);
    log(`  push 1 (cold): ${describePush(cold)}`);
    warm.forEach((push, i) => log(`  push ${i + 2} (warm): ${describePush(push)}`));
    const ratios = warm.map((w, i) => w.completedMs / baselineSamples[i]!);
    const pipelineRatios = warm.flatMap((w, i) => (w.pipelineMs === null ? [] : [w.pipelineMs / baselineSamples[i]!]));
    return {
      storeAlone,
      sandbox: options.sandbox,
      cache: options.cache,
      lockPackages,
      baselineInstallMs: hand.installMs,
      baseline: summarize(baselineSamples),
      baselineSamples,
      cold,
      warm,
      warmCompleted: summarize(warm.map((w) => w.completedMs)),
      warmPipeline: summarize(warm.flatMap((w) => (w.pipelineMs === null ? [] : [w.pipelineMs]))),
      ratio: summarize(ratios),
      pipelineRatio: summarize(pipelineRatios),
      warmTaken: summarize(warm.map((w) => w.takenMs)),
      warmCleanup: summarize(warm.map((w) => w.endedMs - w.takenMs - (w.pipelineMs ?? Number.NaN))),
      warmReported: summarize(warm.map((w) => w.completedMs - w.endedMs)),
      warmRestore: summarize(warm.flatMap((w) => w.caches.map((c) => c.restore.durationMs))),
      warmTookPrepared: warm.filter((w) => w.tookPrepared).length,
      preparedAfter: summarize([cold, ...warm].flatMap((w) => (w.preparedAfterMs === null ? [] : [w.preparedAfterMs]))),
    };
  } finally {
    if (server && !stopped) await stopTracked(server.proc, "SIGTERM");
    await fake.close();
  }
}

/** Sends the push's delivery and waits for its check run to complete (what the run recorded is read later). */
async function timePush(fake: FakeGitHub, server: GantryNode, secret: string, push: Push): Promise<RebuildPush> {
  const sentAt = performance.timeOrigin + performance.now();
  const answer = await deliver(server.webhookUrl, secret, pushEvent(push));
  if (answer.status !== 202) throw new Error(`rebuild: delivery answered ${answer.status}`);
  const checkRun = await fake.waitFor(
    () => fake.checkRunsFor(push.repo.owner, push.repo.name).find((c) => c.head_sha === push.after && c.status === "completed"),
    600_000,
  );
  if (checkRun.conclusion !== "success") {
    throw new Error(`rebuild: the pipeline concluded ${checkRun.conclusion}: ${JSON.stringify(checkRun.output ?? null).slice(0, 4000)}`);
  }
  const completedAt = checkRunTimings(fake).get(checkRun.id)!.completedAt!;
  const run = checkRun.external_id ?? "";
  const output = server.proc.output();
  const ofRun = (prefix: string) => logTime(output, (e) => e["run"] === run && String(e["msg"]).startsWith(prefix)) - sentAt;
  return {
    commit: push.after,
    run,
    completedAt,
    completedMs: completedAt - sentAt,
    takenMs: ofRun("pipeline started"),
    endedMs: ofRun("pipeline success"),
    pipelineMs: null,
    steps: [],
    caches: [],
    tookPrepared: (checkRun.output?.text ?? "").includes("unpacked ahead after an earlier run"),
    preparedAfterMs: null,
  };
}

/**
 * Waits until an entry under the caches folder holds a prepared tree (`<repo>/<scope>/<key>/prepared`): ms after
 * `since` (epoch ms), or null after two minutes.
 */
async function waitForPrepared(caches: string, since: number): Promise<number | null> {
  const names = (dir: string) => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  };
  const found = () =>
    names(caches).some((repo) => names(join(caches, repo)).some((scope) => names(join(caches, repo, scope)).some((key) => names(join(caches, repo, scope, key)).includes("prepared"))));
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (found()) return performance.timeOrigin + performance.now() - since;
    await sleep(20);
  }
  return null;
}

/** Fills in each push's pipeline duration, steps and caches from gantry's store (gantry stopped). */
async function readRecords(dataDir: string, pushes: RebuildPush[]): Promise<void> {
  const store = new SqliteStore(openDatabase(dataDir));
  try {
    for (const push of pushes) {
      const result: RunResult | null = (await store.getRun(push.run))?.result ?? null;
      push.pipelineMs = result?.durationMs ?? null;
      push.steps = (result?.steps ?? []).map((s) => ({ name: s.name, durationMs: s.durationMs }));
      push.caches = result?.caches ?? [];
    }
  } finally {
    await store.close();
  }
}

/** A clone made as a developer makes one, `npm ci` once; then `test(source)` writes the edit and times `npm test`. */
async function handClone(
  fake: FakeGitHub,
  app: Parameters<typeof installationToken>[1],
  repo: HostedRepo,
  files: Record<string, string>,
  scratch: string,
): Promise<{ installMs: number; roots: { workspace: string; home: string }; test: (edit: string) => Promise<number> }> {
  // the same files as push 1, cloned over HTTP like gantry's checkout (a commit of its own, on a side branch)
  const sha = await repo.commit(files, "the project, as cloned by hand");
  await repo.push("refs/heads/by-hand", sha);
  const token = await installationToken(fake, app, repo.installationId);
  const basic = Buffer.from(`x-access-token:${token}`).toString("base64");
  const dir = join(scratch, "rebuild-by-hand");
  const home = join(scratch, "rebuild-hand-home");
  mkdirSync(home, { recursive: true });
  // a HOME of its own: an npm cache as empty as gantry's first push has, so `npm ci` fetches from the registry too
  const env = { ...baseEnv(), HOME: home, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" };
  await run("git", ["-c", `http.extraHeader=Authorization: Basic ${basic}`, "clone", "--quiet", "--branch", "by-hand", repo.cloneUrl, dir], { env });
  const shell = async (name: string, command: string): Promise<number> => {
    const started = performance.now();
    const code = await runTracked(name, "sh", ["-e", "-c", command], { cwd: dir, env, logPath: join(scratch, `${name}.log`) });
    if (code !== 0) throw new Error(`rebuild: '${command}' by hand exited with ${code}: see ${join(scratch, `${name}.log`)}`);
    return performance.now() - started;
  };
  const installMs = await shell("rebuild-hand-ci", "npm ci --no-audit --no-fund");
  return {
    installMs,
    roots: { workspace: dir, home },
    test: async (edit) => {
      writeFileSync(join(dir, CHANGED_FILE), edit);
      return shell("rebuild-hand-test", "npm test");
    },
  };
}

/** The fixture's files (node_modules and outputs left out); without `cache`, its config loses the `cache:` block. */
function fixtureFiles(cache: boolean): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (name === "node_modules" || name === "coverage") continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(REBUILD_FIXTURE, path)] = readFileSync(path, "utf8");
    }
  };
  walk(REBUILD_FIXTURE);
  const config = files[".github/gantry.yml"];
  if (config === undefined) throw new Error(`rebuild: ${REBUILD_FIXTURE}/.github/gantry.yml is missing`);
  if (!cache) files[".github/gantry.yml"] = config.replace(/^ {4}cache:\n(?: {6}.*\n)+/m, "");
  return files;
}

/** The changed source file of edit `round`: a new line (as a real edit adds one), the code otherwise the same. */
function editedSource(source: string, round: number): string {
  return `${source}\n// edit ${round}: a change that leaves the lock file alone\n`;
}

function describePush(push: RebuildPush): string {
  const steps = push.steps.map((s) => `${s.name} ${s.durationMs ?? "-"}`).join(", ");
  const caches = push.caches
    .map((c) => `cache ${c.restore.match} (restore ${c.restore.durationMs} ms${c.restore.sizeBytes ? `, ${(c.restore.sizeBytes / 1e6).toFixed(1)} MB` : ""}` +
      `${c.save ? `; save ${c.save.outcome} ${c.save.durationMs} ms${c.save.sizeBytes ? `, ${(c.save.sizeBytes / 1e6).toFixed(1)} MB` : ""}` : ""})`)
    .join("; ");
  return (
    `${push.completedMs.toFixed(0)} ms to completed: taken at ${push.takenMs.toFixed(0)}, pipeline ${push.pipelineMs ?? "-"} ms (${steps})${caches ? `; ${caches}` : ""}, ` +
    `ended at ${push.endedMs.toFixed(0)} (cleanup ${(push.endedMs - push.takenMs - (push.pipelineMs ?? Number.NaN)).toFixed(0)}), reported ${(push.completedMs - push.endedMs).toFixed(0)} later` +
    `${push.tookPrepared ? "; took the tree unpacked ahead" : ""}${push.preparedAfterMs === null ? "" : `; next tree unpacked ${push.preparedAfterMs.toFixed(0)} ms after completed`}`
  );
}

function describeStoreAlone(r: StoreAloneResult): string {
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
  return (
    `[~/.npm, node_modules] ${mb(r.archiveBytes)}, save ${r.saveMs.toFixed(0)} ms, restore ${r.restoreMs.toFixed(0)} ms; ` +
    `node_modules only ${mb(r.nodeModulesOnly.archiveBytes)}, save ${r.nodeModulesOnly.saveMs.toFixed(0)} ms, restore ${r.nodeModulesOnly.restoreMs.toFixed(0)} ms; ` +
    `GNU tar (gzip -1) ${mb(r.gnuTarBytes)}, create ${r.gnuTarCreateMs.toFixed(0)} ms, extract ${r.gnuTarExtractMs.toFixed(0)} ms; cp -a ${r.copyMs.toFixed(0)} ms`
  );
}
