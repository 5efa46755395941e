import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { checkout } from "../src/worker/execution/workspace.js";
import { generateCheckoutRepo, type CheckoutRepo } from "./checkout-repo.js";
import { installationToken, startFake } from "./fake.js";
import { baseEnv, runTracked, sleep } from "./processes.js";
import { summarize, type Summary } from "./stats.js";

const run = promisify(execFile);

export interface CheckoutOptions {
  scratch: string;
  rounds: number;
  /** Where the generated repository is kept between runs ($GANTRY_BENCH_CACHE, else $TMPDIR/gantry-bench-cache). */
  cacheDir?: string;
}

export interface CheckoutSample {
  round: number;
  /** Who went first in the round: gantry's pair (cold, then warm), `cp -r`, `git clone`. */
  order: string[];
  coldMs: number;
  warmMs: number;
  cpMs: number;
  cloneMs: number;
  /** CPU time (user + system) of every process each one ran, the git server's included: less at the mercy of other tenants than the wall time. */
  coldCpuMs: number;
  warmCpuMs: number;
  cpCpuMs: number;
  cloneCpuMs: number;
}

export interface CheckoutResult {
  repo: Omit<CheckoutRepo, "bareDir" | "treeDir">;
  samples: CheckoutSample[];
  cold: Summary;
  warm: Summary;
  cp: Summary;
  clone: Summary;
  coldCpu: Summary;
  warmCpu: Summary;
  cpCpu: Summary;
  cloneCpu: Summary;
  /** Per round: gantry warm ÷ `cp -r` of the same round (the target: ≤ 1.3x), and the others. */
  warmToCp: Summary;
  coldToCp: Summary;
  cloneToCp: Summary;
  warmToClone: Summary;
  /** /proc/loadavg's 1-minute figure before the first and after the last round. */
  loadBefore: number;
  loadAfter: number;
}

export const benchCacheDir = (): string => process.env["GANTRY_BENCH_CACHE"] ?? join(tmpdir(), "gantry-bench-cache");

/**
 * Benchmark 9: checking out a 10,000-file, ~100 MB repository with 200 commits, served by the fake GitHub's
 * `git http-backend`. Each round: gantry's real `checkout()` with an empty mirror (cold), then one new commit
 * pushed and checked out again with the mirror warm; `cp -r` of the same tree (the floor); `git clone
 * --depth=1` over the same server (what actions/checkout does). Everything written is synced before each
 * measurement, so no one pays for the previous one's writeback.
 */
export async function benchCheckout(options: CheckoutOptions, log: (line: string) => void): Promise<CheckoutResult> {
  const repo = await generateCheckoutRepo(options.cacheDir ?? benchCacheDir());
  log(`  repository: ${repo.files} files, ${(repo.bytes / 2 ** 20).toFixed(0)} MiB, pack ${(repo.packBytes / 2 ** 20).toFixed(0)} MiB, ${repo.generated ? `generated in ${(repo.generateMs / 1000).toFixed(1)} s` : "from the cache"}`);
  const { fake, app } = await startFake(join(options.scratch, "checkout-repos"));
  const hosted = await fake.createRepo("bench", "big", { installationId: 1 });
  const env = { ...baseEnv(), HOME: hosted.env()["HOME"]!, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" };
  // the cached pack as the hosted repository's own (copied: the cache stays pristine)
  const packDir = join(repo.bareDir, "objects", "pack");
  for (const file of readdirSync(packDir)) copyFileSync(join(packDir, file), join(hosted.bareDir, "objects", "pack", file));
  await run("git", ["-C", hosted.bareDir, "update-ref", "refs/heads/main", repo.tip], { env });
  const token = await installationToken(fake, app, hosted.installationId);
  const auth = { GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: "http.extraHeader", GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}` };
  const logPath = join(options.scratch, "checkout.log");
  const logFd = openSync(logPath, "a");
  const work = join(options.scratch, "checkout-work");
  mkdirSync(work, { recursive: true });
  let cpu = 0;
  const timed = async (what: () => Promise<void>) => {
    await run("sync", []);
    await sleep(50);
    const cpuBefore = childrenCpuMs();
    const started = performance.now();
    await what();
    const ms = performance.now() - started;
    // the git server's processes are reaped a moment later
    await sleep(50);
    cpu = childrenCpuMs() - cpuBefore;
    return ms;
  };
  const shell = async (name: string, script: string, extra: Record<string, string> = {}) => {
    const code = await runTracked(`checkout-${name}`, "sh", ["-c", script], { cwd: work, logPath, env: { ...env, ...extra } });
    if (code !== 0) throw new Error(`checkout bench: ${name} exited with ${code} (see ${logPath})`);
  };
  // gantry's checkout in the bench's own process, as a worker calls it
  const gantry = async (root: string, runId: string, sha: string, mirrors: string) => {
    const result = await checkout({ root, runId, cloneUrl: hosted.cloneUrl, sha, token, mirrors: { root: mirrors, repositoryId: 1 }, logFd, timeoutMs: 600_000 });
    if (result.outcome.exitCode !== 0) throw new Error(`checkout bench: gantry's checkout failed: ${JSON.stringify(result.outcome)} (see ${logPath})`);
    return result.dir;
  };
  const loadBefore = loadAverage();
  const samples: CheckoutSample[] = [];
  let tip = repo.tip;
  try {
    // the floor's tree and the hosted pack in the page cache, git's binaries too
    await shell("warm-up", `cp -r "$TREE" w && rm -rf w && cat "$PACKS"/* > /dev/null`, { TREE: repo.treeDir, PACKS: join(hosted.bareDir, "objects", "pack") });
    for (let round = 1; round <= options.rounds; round++) {
      const sample: CheckoutSample = { round, order: [], coldMs: 0, warmMs: 0, cpMs: 0, cloneMs: 0, coldCpuMs: 0, warmCpuMs: 0, cpCpuMs: 0, cloneCpuMs: 0 };
      const mirrors = join(work, `mirrors-${round}`);
      const steps: Record<string, () => Promise<void>> = {
        gantry: async () => {
          sample.coldMs = await timed(async () => void (await gantry(join(work, "ws"), `cold-${round}`, tip, mirrors)));
          sample.coldCpuMs = cpu;
          await verify(join(work, "ws", `cold-${round}`), tip, env);
          rmSync(join(work, "ws"), { recursive: true, force: true });
          tip = await pushCommit(hosted.bareDir, tip, round, env);
          sample.warmMs = await timed(async () => void (await gantry(join(work, "ws"), `warm-${round}`, tip, mirrors)));
          sample.warmCpuMs = cpu;
          await verify(join(work, "ws", `warm-${round}`), tip, env);
          rmSync(join(work, "ws"), { recursive: true, force: true });
          rmSync(mirrors, { recursive: true, force: true });
        },
        cp: async () => {
          sample.cpMs = await timed(() => shell("cp", `cp -r "$TREE" cp-tree`, { TREE: repo.treeDir }));
          sample.cpCpuMs = cpu;
          rmSync(join(work, "cp-tree"), { recursive: true, force: true });
        },
        clone: async () => {
          sample.cloneMs = await timed(() => shell("clone", `git clone --quiet --depth=1 --no-tags "$URL" clone-tree`, { URL: hosted.cloneUrl, ...auth }));
          sample.cloneCpuMs = cpu;
          rmSync(join(work, "clone-tree"), { recursive: true, force: true });
        },
      };
      // the order rotates: the disk and the other tenants change over a round
      const names = Object.keys(steps);
      sample.order = names.map((_, i) => names[(i + round - 1) % names.length]!);
      for (const name of sample.order) await steps[name]!();
      log(
        `  checkout round ${round} (${sample.order.join(", ")}): gantry cold ${sample.coldMs.toFixed(0)} ms, warm ${sample.warmMs.toFixed(0)} ms; ` +
          `cp -r ${sample.cpMs.toFixed(0)} ms; git clone --depth=1 ${sample.cloneMs.toFixed(0)} ms; warm ÷ cp ${(sample.warmMs / sample.cpMs).toFixed(2)}x; ` +
          `CPU ${sample.coldCpuMs}, ${sample.warmCpuMs}, ${sample.cpCpuMs}, ${sample.cloneCpuMs} ms`,
      );
      samples.push(sample);
    }
  } finally {
    closeSync(logFd);
    await fake.close();
  }
  const ratio = (a: keyof CheckoutSample, b: keyof CheckoutSample) => summarize(samples.map((s) => (s[a] as number) / (s[b] as number)));
  const { bareDir: _b, treeDir: _t, ...about } = repo;
  return {
    repo: about,
    samples,
    cold: summarize(samples.map((s) => s.coldMs)),
    warm: summarize(samples.map((s) => s.warmMs)),
    cp: summarize(samples.map((s) => s.cpMs)),
    clone: summarize(samples.map((s) => s.cloneMs)),
    coldCpu: summarize(samples.map((s) => s.coldCpuMs)),
    warmCpu: summarize(samples.map((s) => s.warmCpuMs)),
    cpCpu: summarize(samples.map((s) => s.cpCpuMs)),
    cloneCpu: summarize(samples.map((s) => s.cloneCpuMs)),
    warmToCp: ratio("warmMs", "cpMs"),
    coldToCp: ratio("coldMs", "cpMs"),
    cloneToCp: ratio("cloneMs", "cpMs"),
    warmToClone: ratio("warmMs", "cloneMs"),
    loadBefore,
    loadAfter: loadAverage(),
  };
}

/** One more commit on `parent` in the hosted repository, editing three text files (plumbing only, no work tree). */
async function pushCommit(bareDir: string, parent: string, round: number, env: Record<string, string>): Promise<string> {
  const script = [
    "set -e",
    'export GIT_INDEX_FILE="$GIT_DIR/bench-index"',
    'git read-tree "$PARENT"',
    'for f in $(git ls-files "src/m$ROUND/*" | head -3); do',
    '  b=$( { git cat-file blob "$PARENT:$f"; echo "// round $ROUND"; } | git hash-object -w --stdin)',
    '  git update-index --cacheinfo "100644,$b,$f"',
    "done",
    't=$(git write-tree)',
    'c=$(echo "Round $ROUND" | git commit-tree "$t" -p "$PARENT")',
    'git update-ref refs/heads/main "$c"',
    'rm -f "$GIT_INDEX_FILE"',
    'echo "$c"',
  ].join("\n");
  const { stdout } = await run("sh", ["-c", script], {
    env: { ...env, GIT_DIR: bareDir, PARENT: parent, ROUND: String(round), GIT_AUTHOR_NAME: "Bench", GIT_AUTHOR_EMAIL: "bench@example.invalid", GIT_COMMITTER_NAME: "Bench", GIT_COMMITTER_EMAIL: "bench@example.invalid" },
  });
  return stdout.trim();
}

/** The workspace is the commit, whole and clean (outside the timing). */
async function verify(dir: string, sha: string, env: Record<string, string>): Promise<void> {
  const head = (await run("git", ["-C", dir, "rev-parse", "HEAD"], { env })).stdout.trim();
  const status = (await run("git", ["-C", dir, "status", "--porcelain", "--untracked-files=all"], { env, maxBuffer: 1 << 24 })).stdout;
  if (head !== sha || status !== "") throw new Error(`checkout bench: ${dir} is not a clean checkout of ${sha} (HEAD ${head}, status ${status.slice(0, 200)})`);
}

/** User + system time of this process's waited-for children (/proc/self/stat's cutime and cstime), ms. */
function childrenCpuMs(): number {
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
  // after the command: state is field 3, so cutime (16) and cstime (17) are at 13 and 14
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

function loadAverage(): number {
  return Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
}
