import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { benchBurst, type BurstResult } from "./burst.js";
import { benchCheckout, type CheckoutResult } from "./checkout.js";
import { startFake } from "./fake.js";
import { benchFirstStep, type FirstStepResult } from "./first-step.js";
import { benchIngest, type IngestResult } from "./ingest.js";
import { benchLogs, type LogsResult } from "./logs.js";
import { benchMasking, type MaskingResult } from "./masking.js";
import { benchMatching, type MatchingResult } from "./matching.js";
import { GANTRY_MAIN, killAllTrackedSync, ROOT, stopAllTracked } from "./processes.js";
import { topSelfTime } from "./profile.js";
import { benchRebuild, type RebuildResult } from "./rebuild.js";
import { benchSandbox, type SandboxResult } from "./sandbox.js";
import { benchScaleOut, type ScaleOutResult } from "./scale-out.js";
import { fmt, fmtSpread, summarize, table, type Summary } from "./stats.js";

const USAGE = `npm run bench [-- options]

  --only LIST       suites to run, comma-separated: ingest,first-step,logs,burst,scale-out,sandbox,masking,matching,checkout (default: all)
                    and profile (not in the default: gantry's server under node --cpu-prof, top self-time)
                    and rebuild (not in the default: minutes, and the npm registry: bench/fixtures/rebuild-project)
  --full            the sizes of issue #4: 10 s loads, bursts of 1000/100/10 and 500/50/10, 1-8 workers
  --rounds N        ingestion and scale-out measurements per figure (default 3); checkout rounds (default 5)
  --duration S      seconds of load per ingestion measurement (default 5; --full 10)
  --log-level L     LOG_LEVEL for gantry and the fair Probot baseline in ingestion (default info)
  --iterations N    first-step iterations (default 10), 1 GiB log runs (default 5), sandbox step pairs (default 100), masking and matching runs (default 3)
  --burst LIST      bursts as deliveries/repos/installations, comma-separated (default 500/50/10)
  --workers LIST    worker counts for scale-out (default 1,2,4)
  --sandbox MODE    GANTRY_SANDBOX for rebuild: bwrap (default, as every other suite runs) or off
  --rebuild-cache X on (default): the fixture's pipeline with its cache; off: without (a gantry that has no caches)
`;

const { values } = parseArgs({
  options: {
    only: { type: "string" },
    full: { type: "boolean", default: false },
    rounds: { type: "string" },
    duration: { type: "string" },
    "log-level": { type: "string" },
    iterations: { type: "string" },
    burst: { type: "string" },
    workers: { type: "string" },
    sandbox: { type: "string" },
    "rebuild-cache": { type: "string" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const ALL = ["ingest", "first-step", "logs", "burst", "scale-out", "sandbox", "masking", "matching", "checkout"];
const only = (values.only ?? ALL.join(",")).split(",").map((s) => s.trim());
for (const name of only) if (![...ALL, "profile", "rebuild"].includes(name)) throw new Error(`unknown suite ${name}\n${USAGE}`);
const full = values.full;
const rounds = Number(values.rounds ?? 3);
const duration = Number(values.duration ?? (full ? 10 : 5));
const logLevel = values["log-level"] ?? "info";
const iterations = values.iterations === undefined ? undefined : Number(values.iterations);
const bursts = (values.burst ?? (full ? "1000/100/10,500/50/10" : "500/50/10")).split(",").map((text) => {
  const [deliveries, repos, installations] = text.split("/").map(Number);
  if (!deliveries || !repos || !installations) throw new Error(`--burst: "${text}" is not deliveries/repos/installations`);
  return { deliveries, repos, installations };
});
const sandbox = values.sandbox ?? "bwrap";
if (sandbox !== "bwrap" && sandbox !== "off") throw new Error(`--sandbox: "${sandbox}" is not bwrap or off`);
const rebuildCache = values["rebuild-cache"] ?? "on";
if (rebuildCache !== "on" && rebuildCache !== "off") throw new Error(`--rebuild-cache: "${rebuildCache}" is not on or off`);
const workerCounts = (values.workers ?? (full ? "1,2,4,8" : "1,2,4")).split(",").map(Number);

if (!existsSync(GANTRY_MAIN)) throw new Error(`${GANTRY_MAIN} is missing: run npm run build first (npm run bench does)`);

// every process this run started is killed by pid, whatever happens
process.on("exit", () => killAllTrackedSync());
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping everything the bench started`);
    void stopAllTracked("SIGKILL").finally(() => process.exit(130));
  });
}

const scratch = mkdtempSync(join(tmpdir(), "gantry-bench-"));
const log = (line: string) => console.log(line);
const started = new Date();
const results: {
  ingest?: IngestResult;
  firstStep?: FirstStepResult;
  logs?: LogsResult;
  burst?: BurstResult[];
  scaleOut?: ScaleOutResult | { skipped: string };
  sandbox?: SandboxResult;
  masking?: MaskingResult;
  matching?: MatchingResult;
  checkout?: CheckoutResult;
  profile?: unknown;
  rebuild?: RebuildResult;
} = {};
let failed: unknown = null;

try {
  if (only.includes("ingest")) {
    log(`\n▶ 1. Ingestion: ${rounds} round(s) of ${duration} s at 50 connections, LOG_LEVEL=${logLevel}: raw node:http vs bare Probot (run's logger; Server's fallback logger) vs gantry`);
    const { fake, app } = await startFake(join(scratch, "ingest-repos"));
    try {
      results.ingest = await benchIngest({ app, scratch, durationS: duration, rounds, connections: 50, sizes: ["small", "large"], logLevel }, log);
    } finally {
      await fake.close();
    }
  }
  if (only.includes("first-step")) {
    log(`\n▶ 2. Push to first step: gantry vs the same checkout and step in a shell script`);
    results.firstStep = await benchFirstStep({ scratch, iterations: iterations ?? 10 }, log);
  }
  if (only.includes("logs")) {
    log(`\n▶ 3. A step printing 1 GiB: gantry vs the shell redirecting to a file`);
    results.logs = await benchLogs({ scratch, iterations: iterations ?? 5, bytes: 2 ** 30 }, log);
  }
  if (only.includes("burst")) {
    results.burst = [];
    for (const burst of bursts) {
      log(`\n▶ 4. Burst: ${burst.deliveries} deliveries, ${burst.repos} repositories, ${burst.installations} installations, GitHub answering in 50–150 ms`);
      results.burst.push(
        await benchBurst(
          { scratch, ...burst, concurrency: 2, senders: 50, timeoutS: 60 + Math.ceil((3.5 * burst.deliveries) / burst.installations) },
          log,
        ),
      );
    }
  }
  if (only.includes("scale-out")) {
    log(`\n▶ 5. Scale-out: builds/s of a 'sleep 0.2' pipeline with ${workerCounts.join(", ")} worker(s) on Redis`);
    try {
      results.scaleOut = await benchScaleOut({ scratch, workerCounts, perWorker: 1, builds: 40, rounds }, log);
    } catch (error) {
      if (!String(error).includes("needs Redis")) throw error;
      log(`  skipped: ${(error as Error).message}`);
      results.scaleOut = { skipped: (error as Error).message };
    }
  }
  if (only.includes("sandbox")) {
    log(`\n▶ 6. Sandbox: a 'true' step through the runner, plain sh vs bubblewrap, alternately`);
    results.sandbox = await benchSandbox({ scratch, iterations: iterations ?? 100 }, log);
  }
  if (only.includes("masking")) {
    log(`\n▶ 7. Masking: a step printing 1 GiB of log text with 3 secrets in it, masked by runProcess vs the shell redirecting to a file`);
    results.masking = await benchMasking({ scratch, iterations: iterations ?? 3, bytes: 2 ** 30 }, log);
  }
  if (only.includes("matching")) {
    log(`\n▶ 8. Matching: a step printing 1 GiB of build-log text, written to the log and scanned as it grows, vs the shell redirecting to a file`);
    results.matching = await benchMatching({ scratch, iterations: iterations ?? 3, bytes: 2 ** 30 }, log);
  }
  if (only.includes("checkout")) {
    log(`\n▶ 9. Checkout: a 10,000-file, 100 MB repository, gantry cold and warm (mirror) vs cp -r of the same tree and git clone --depth=1`);
    results.checkout = await benchCheckout({ scratch, rounds: values.rounds === undefined ? 5 : rounds }, log);
  }
  if (only.includes("rebuild")) {
    log(`\n▶ 10. Rebuild: a TypeScript project with its registry dependencies, second push ${rebuildCache === "on" ? "with" : "WITHOUT"} the cache vs npm test in an installed clone (GANTRY_SANDBOX=${sandbox})`);
    results.rebuild = await benchRebuild({ scratch, iterations: iterations ?? 5, sandbox, cache: rebuildCache === "on" }, log);
  }
  if (only.includes("profile")) {
    log(`\n▶ Profile: gantry's server under node --cpu-prof (figures from a profiled run are not comparable)`);
    results.profile = await profileSuites(log);
  }
} catch (error) {
  failed = error;
  console.error(`\nbench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  await stopAllTracked("SIGTERM");
}

const rows = tableRows();
if (rows.length > 1) log(`\n${table(rows)}`);
const machine = {
  commit: gitInfo(),
  cores: availableParallelism(),
  cpu: cpus()[0]?.model ?? "unknown",
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
};
const outDir = join(ROOT, "bench", "results");
mkdirSync(outDir, { recursive: true });
const outFile = join(outDir, `${started.toISOString().replace(/[:.]/g, "-")}.json`);
writeFileSync(
  outFile,
  JSON.stringify(
    {
      started: started.toISOString(),
      seconds: (Date.now() - started.getTime()) / 1000,
      machine,
      options: { only, full, rounds, duration, iterations, bursts, workerCounts, sandbox, rebuildCache },
      failed: failed === null ? null : String(failed),
      table: rows,
      results,
    },
    null,
    2,
  ) + "\n",
);
log(`\n${machine.cores} cores, ${machine.cpu}, Node ${machine.node}, gantry ${machine.commit}; ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s; results in ${outFile}`);
rmSync(scratch, { recursive: true, force: true });
process.exitCode = failed === null ? 0 : 1;

/** The commit measured, and whether src/ differed from it (read-only git commands; no git, no answer). */
function gitInfo(): string {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "src"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    return dirty ? `${head} (src/ modified)` : head;
  } catch {
    return "unknown";
  }
}

/** One row per figure: what, the baseline, gantry, the ratio, the target, met or not. */
function tableRows(): string[][] {
  const rows = [["figure", "baseline", "gantry", "ratio", "target", "met"]];
  const yes = (ok: boolean) => (ok ? "yes" : "NO");
  const ms = (s: Summary) => fmtSpread(s, " ms");
  const x = (s: Summary) => fmtSpread(s, "x");
  const { ingest, firstStep, logs, burst, scaleOut, sandbox, masking, matching, checkout, rebuild } = results;
  if (ingest) {
    for (const size of Object.keys(ingest.summary)) {
      const label = size === "small" ? `${(ingest.payloadBytes[size]! / 1000).toFixed(1)} kB` : `${(ingest.payloadBytes[size]! / 1e6).toFixed(1)} MB`;
      const s = ingest.summary[size]!;
      const targeted = size === "small";
      rows.push([
        `ingest ${label}: req/s (LOG_LEVEL=${ingest.logLevel})`,
        `Probot ${fmtSpread(s.probot.reqPerSec)}; old baseline ${fmtSpread(s["probot-default"].reqPerSec)}; raw ${fmtSpread(s.raw.reqPerSec)}`,
        fmtSpread(s.gantry.reqPerSec),
        `${x(ingest.ratioToProbot[size]!)} Probot; ${x(ingest.ratioToProbotDefault[size]!)} old; ${x(ingest.ratioToRaw[size]!)} raw`,
        targeted ? "≥ 1x Probot (aim 2x)" : "report",
        targeted ? yes(ingest.ratioToProbot[size]!.median >= 1) : "-",
      ]);
      rows.push([
        `ingest ${label}: p50 / p99`,
        `Probot ${fmt(s.probot.p50.median)} / ${fmt(s.probot.p99.median)} ms; old ${fmt(s["probot-default"].p50.median)} / ${fmt(s["probot-default"].p99.median)} ms; raw ${fmt(s.raw.p50.median)} / ${fmt(s.raw.p99.median)} ms`,
        `${fmt(s.gantry.p50.median)} / ${ms(s.gantry.p99)}`,
        `p99 ${fmt(s.gantry.p99.median / s.probot.p99.median)}x Probot`,
        targeted ? "p99 < 50 ms" : "report",
        targeted ? yes(s.gantry.p99.median < 50) : "-",
      ]);
    }
    const acked = ingest.samples.filter((s) => s.target === "gantry").reduce((sum, s) => sum + s.acked, 0);
    rows.push(["ingest: acknowledged, not stored", "-", `${ingest.lost} of ${acked}`, "-", "0", yes(ingest.lost === 0)]);
  }
  if (firstStep) {
    const f = firstStep;
    rows.push(["push → first step, median", `shell ${fmt(f.shellFirstStep.median, " ms")}`, fmt(f.gantryFirstStep.median, " ms"), `+${fmt(f.overhead.median, " ms")}`, "+ < 50 ms", yes(f.overhead.median < 50)]);
    rows.push([
      "  of which GitHub calls (contents, token)",
      "-",
      fmt(f.githubCalls.median, " ms"),
      `gantry's own +${fmt(f.overhead.median - f.githubCalls.median, " ms")}`,
      "report",
      "-",
    ]);
    rows.push(["push → first step, p90", `shell ${fmt(f.shellFirstStep.p90, " ms")}`, fmt(f.gantryFirstStep.p90, " ms"), `+${fmt(f.overhead.p90, " ms")}`, "report", "-"]);
    rows.push([
      "push → check run completed, median / p90",
      `shell done ${fmt(f.shellDone.median)} / ${fmt(f.shellDone.p90, " ms")}`,
      `${fmt(f.gantryCompleted.median)} / ${fmt(f.gantryCompleted.p90, " ms")}`,
      `${fmt(f.gantryCompleted.median / f.shellDone.median)}x`,
      "report",
      "-",
    ]);
  }
  if (logs) {
    rows.push(["1 GiB log: wall time", `shell ${ms(logs.shell)}`, ms(logs.gantry), x(logs.ratio), "< 2x", yes(logs.ratio.median < 2)]);
    const mb = (s: Summary) => `${fmt(s.median / 1e6)} MB (${fmt(s.min / 1e6)}–${fmt(s.max / 1e6)})`;
    const tiny = results.firstStep ? `; tiny steps ${fmt(results.firstStep.hwmBytes / 1e6)} MB` : "";
    rows.push(["1 GiB log: peak RSS of gantry", `idle ${fmt(logs.idleRssBytes / 1e6)} MB${tiny}`, `${mb(logs.hwm)}; sampled max ${fmt(logs.maxRss.max / 1e6)} MB`, "-", "< 150 MB", yes(logs.hwm.max < 150e6)]);
    rows.push(["1 GiB log: check run text ends with last line", "-", logs.allTextsEndWithLastLine ? "yes" : "no", "-", "yes", yes(logs.allTextsEndWithLastLine)]);
  }
  for (const b of burst ?? []) {
    const name = `burst ${b.deliveries}/${b.repos}/${b.installations}`;
    rows.push([`${name}: all acknowledged`, `raw ${fmt(b.rawAckedS, " s")}`, fmt(b.ackedS, " s"), `${fmt(b.ackedS / b.rawAckedS)}x`, "report", "-"]);
    const createBound = Math.ceil(b.deliveries / b.installations) - 1;
    rows.push([`${name}: all check runs on GitHub`, `throttle ${createBound} s`, fmt(b.queuedS, " s"), `${fmt(b.queuedS / createBound)}x`, "report", "-"]);
    rows.push([`${name}: all completed`, `throttle ${b.throttleBoundS} s`, fmt(b.completedS, " s"), `${fmt(b.completedS / b.throttleBoundS)}x`, "report", "-"]);
    rows.push([`${name}: writes per check run`, "-", `median ${b.writesPerPipeline.median}, max ${b.writesPerPipeline.max}`, "-", "report", "-"]);
    rows.push([`${name}: steps at once`, `limit ${b.concurrency}`, String(b.maxOverlap), "-", `≤ ${b.concurrency}`, yes(b.maxOverlap <= b.concurrency)]);
    rows.push([
      `${name}: lost / duplicated`,
      "-",
      `${b.lost} / ${b.duplicated}${b.ranTwice ? ` (${b.ranTwice} ran twice)` : ""}${b.timedOut ? " (timed out)" : ""}`,
      "-",
      "0 / 0",
      yes(b.lost === 0 && b.duplicated === 0 && b.ranTwice === 0 && !b.timedOut),
    ]);
  }
  if (scaleOut && "samples" in scaleOut) {
    const counts = Object.keys(scaleOut.buildsPerSecond).map(Number);
    for (const workers of counts) {
      const grows = workers === counts[0] || scaleOut.speedup[workers]!.median > (scaleOut.speedup[counts[counts.indexOf(workers) - 1]!]?.median ?? 0);
      rows.push([
        `scale-out: ${workers} worker(s), builds/s`,
        `1 worker ${fmt(scaleOut.buildsPerSecond[counts[0]!]!.median)}`,
        fmtSpread(scaleOut.buildsPerSecond[workers]!),
        `${x(scaleOut.speedup[workers]!)}; CPU ${fmt(scaleOut.cpuBusy[workers]!.median * 100)}% busy`,
        workers === counts[0] ? "-" : "grows",
        workers === counts[0] ? "-" : yes(grows),
      ]);
    }
  }
  if (sandbox) {
    rows.push(["sandbox: a step's cost, median", `plain ${fmt(sandbox.plain.median, " ms")}`, `bwrap ${fmt(sandbox.bwrap.median, " ms")}`, `+${fmt(sandbox.overhead.median, " ms")} (p90 +${fmt(sandbox.overhead.p90, " ms")})`, "+ < 15 ms", yes(sandbox.overhead.median < 15)]);
    rows.push(["sandbox: first wrap (root-only scan)", "-", fmt(sandbox.firstWrapMs, " ms"), "-", "report", "-"]);
  }
  if (masking) {
    rows.push(["1 GiB masked: wall time", `shell ${ms(masking.shell)}`, ms(masking.masked), x(masking.ratio), "≤ 3x", yes(masking.ratio.median <= 3)]);
    rows.push(["1 GiB masked vs a pipe through cat", `| cat ${ms(masking.pipe)}`, ms(masking.masked), x(masking.ratioToPipe), "report", "-"]);
    rows.push(["1 GiB masked: CPU of the masking node", "-", ms(masking.cpu), "-", "report", "-"]);
    rows.push(["1 GiB masked: peak RSS of the masking node", "-", `${fmt(masking.hwm.median / 1e6)} MB (max ${fmt(masking.hwm.max / 1e6)})`, "-", "< 150 MB", yes(masking.hwm.max < 150e6)]);
    rows.push(["1 GiB masked: log as expected", "-", masking.allLogsRight ? "yes" : "no", "-", "yes", yes(masking.allLogsRight)]);
    for (const [name, gibPerS] of Object.entries(masking.matchers)) rows.push([`masker search: ${name}`, "-", `${fmt(gibPerS)} GiB/s`, "-", "report", "-"]);
  }
  if (matching) {
    rows.push([`1 GiB scanned: wall time (${matching.processor})`, `shell ${ms(matching.shell)}`, ms(matching.scanned), x(matching.ratio), "≤ 2x", yes(matching.ratio.median <= 2)]);
    rows.push(["1 GiB scanned: processor finding line ends only", `shell ${ms(matching.shell)}`, ms(matching.floor), x(matching.floorRatio), "report", "-"]);
    rows.push(["1 GiB scanned: peak RSS, line ends only", "-", `${fmt(matching.floorHwm.median / 1e6)} MB (max ${fmt(matching.floorHwm.max / 1e6)})`, "-", "report", "-"]);
    rows.push(["1 GiB scanned: after the step ended (catching up)", "-", ms(matching.catchUp), "-", "report", "-"]);
    rows.push(["1 GiB scanned: CPU of the node process", "-", ms(matching.cpu), "-", "report", "-"]);
    rows.push(["1 GiB scanned: peak RSS of the node process", "-", `${fmt(matching.hwm.median / 1e6)} MB (max ${fmt(matching.hwm.max / 1e6)})`, "-", "< 150 MB", yes(matching.hwm.max < 150e6)]);
    rows.push(["1 GiB scanned: whole log, lines and index right", "-", matching.allScansRight ? "yes" : "no", "-", "yes", yes(matching.allScansRight)]);
  }
  if (checkout) {
    const c = checkout;
    rows.push(["checkout: gantry warm (mirror, one new commit)", `cp -r ${ms(c.cp)}`, ms(c.warm), x(c.warmToCp), "≤ 1.3x cp -r", yes(c.warmToCp.median <= 1.3)]);
    rows.push(["checkout: gantry cold (empty mirror)", `cp -r ${ms(c.cp)}`, ms(c.cold), x(c.coldToCp), "report", "-"]);
    rows.push(["checkout: git clone --depth=1 (actions/checkout)", `cp -r ${ms(c.cp)}`, ms(c.clone), x(c.cloneToCp), "report", "-"]);
    rows.push(["checkout: CPU time, all processes (server's too)", `cp -r ${ms(c.cpCpu)}`, `warm ${ms(c.warmCpu)}; cold ${ms(c.coldCpu)}; clone ${ms(c.cloneCpu)}`, "-", "report", "-"]);
    rows.push(["checkout: gantry warm vs git clone --depth=1", `clone ${ms(c.clone)}`, ms(c.warm), x(c.warmToClone), "report", "-"]);
  }
  if (rebuild) {
    const r = rebuild;
    const cacheOf = (push: RebuildResult["cold"]) => push.caches[0];
    const warmCache = r.warm.map(cacheOf).filter((c) => c !== undefined);
    const coldCache = cacheOf(r.cold);
    rows.push([
      `rebuild, warm push → completed (${r.cache ? "cache" : "NO cache"}, ${r.sandbox})`,
      `npm test ${ms(r.baseline)}`,
      ms(r.warmCompleted),
      x(r.ratio),
      "≤ 1.3x",
      yes(r.ratio.median <= 1.3),
    ]);
    rows.push(["rebuild, warm pipeline's own duration", `npm test ${ms(r.baseline)}`, ms(r.warmPipeline), x(r.pipelineRatio), "report", "-"]);
    const testStep = summarize(r.warm.flatMap((w) => w.steps.filter((s) => s.name === "Test").map((s) => s.durationMs ?? Number.NaN)));
    rows.push(["rebuild, warm: its Test step (npm test in the sandbox)", `npm test ${ms(r.baseline)}`, ms(testStep), `${testStep.median >= r.baseline.median ? "+" : "−"}${fmt(Math.abs(testStep.median - r.baseline.median), " ms")}`, "report", "-"]);
    if (r.cache) {
      rows.push([
        "rebuild, warm: restores that took the tree unpacked ahead; unpacked ahead after the run",
        "-",
        `${r.warmTookPrepared} of ${r.warm.length}; ${ms(r.preparedAfter)} after completed`,
        "-",
        "report",
        "-",
      ]);
    }
    rows.push([
      "rebuild, warm: taken / cleanup / reported",
      "-",
      `${fmt(r.warmTaken.median)} / ${fmt(r.warmCleanup.median)} / ${fmt(r.warmReported.median, " ms")}`,
      "-",
      "report",
      "-",
    ]);
    const a = r.storeAlone;
    rows.push([
      "rebuild, the store alone: save / restore [~/.npm, node_modules]",
      `GNU tar ${fmt(a.gnuTarCreateMs)} / ${fmt(a.gnuTarExtractMs, " ms")} (${fmt(a.gnuTarBytes / 1e6, " MB")}); cp -a ${fmt(a.copyMs, " ms")}`,
      `${fmt(a.saveMs)} / ${fmt(a.restoreMs, " ms")} (${fmt(a.archiveBytes / 1e6, " MB")})`,
      `restore ${fmt(a.restoreMs / a.gnuTarExtractMs)}x GNU tar`,
      "report",
      "-",
    ]);
    rows.push([
      "rebuild, the store alone: node_modules only",
      "-",
      `${fmt(a.nodeModulesOnly.saveMs)} / ${fmt(a.nodeModulesOnly.restoreMs, " ms")} (${fmt(a.nodeModulesOnly.archiveBytes / 1e6, " MB")})`,
      "-",
      "report",
      "-",
    ]);
    rows.push(["rebuild, cold push 1 → completed", `npm ci ${fmt(r.baselineInstallMs, " ms")} + npm test`, `${fmt(r.cold.completedMs, " ms")} (pipeline ${fmt(r.cold.pipelineMs ?? Number.NaN, " ms")})`, "-", "report", "-"]);
    if (coldCache || warmCache.length > 0) {
      const restore = summarize(warmCache.map((c) => c.restore.durationMs));
      const size = coldCache?.save?.sizeBytes ?? warmCache[0]?.restore.sizeBytes ?? Number.NaN;
      rows.push([
        "rebuild, cache: archive / save (push 1) / restore (warm)",
        "-",
        `${fmt(size / 1e6, " MB")} / ${coldCache?.save ? `${coldCache.save.outcome} ${fmt(coldCache.save.durationMs, " ms")}` : "-"} / ${warmCache.length ? `${warmCache.map((c) => c.restore.match).join(",")} ${ms(restore)}` : "-"}`,
        "-",
        "report",
        "-",
      ]);
    }
  }
  return rows;
}

/** gantry's server profiled during an ingestion load and a series of first-step pushes. */
async function profileSuites(write: (line: string) => void): Promise<unknown> {
  const out: Record<string, unknown> = {};
  const ingestDir = join(scratch, "profile-ingest");
  const { fake, app } = await startFake(join(scratch, "profile-repos"));
  let ingest: IngestResult;
  try {
    ingest = await benchIngest(
      { app, scratch, durationS: duration, rounds: 1, connections: 50, sizes: ["small"], targets: ["gantry"], gantryNodeArgs: ["--cpu-prof", `--cpu-prof-dir=${ingestDir}`] },
      write,
    );
  } finally {
    await fake.close();
  }
  out["ingest"] = topSelfTime(ingestDir, 15, ingest.samples[0]!.loadStartMs);
  const firstDir = join(scratch, "profile-first-step");
  const first = await benchFirstStep(
    { scratch, iterations: iterations ?? 10, gantryNodeArgs: ["--cpu-prof", "--cpu-prof-interval=100", `--cpu-prof-dir=${firstDir}`] },
    write,
  );
  out["firstStep"] = topSelfTime(firstDir, 15, first.warmUpMs);
  for (const [suite, profile] of Object.entries(out) as Array<[string, ReturnType<typeof topSelfTime>]>) {
    write(`\n  ${suite}: ${fmt(profile.totalMs - profile.idleMs)} ms busy of ${fmt(profile.totalMs)} ms profiled (after start-up); top self time:`);
    write(
      table([
        ["self ms", "share", "function", "where"],
        ...profile.top.map((f) => [fmt(f.selfMs), `${(f.share * 100).toFixed(1)}%`, f.name, f.where]),
      ])
        .split("\n")
        .map((line) => `    ${line}`)
        .join("\n"),
    );
  }
  return out;
}
