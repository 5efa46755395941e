import { rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { checkRunTimings } from "./checks.js";
import { repoWithPushes, startFake } from "./fake.js";
import { logTime } from "./first-step.js";
import { startGantry } from "./gantry.js";
import { deliver, pushEvent } from "./payloads.js";
import { baseEnv, memoryOf, runTracked, sleep, stopTracked } from "./processes.js";
import { summarize, type Summary } from "./stats.js";
import { logPath } from "../src/runs/log-path.js";

export interface LogsOptions {
  scratch: string;
  iterations: number;
  /** Bytes the step prints (default 1 GiB). */
  bytes: number;
}

export interface LogsSample {
  iteration: number;
  shellMs: number;
  /** Delivery sent → gantry logged the pipeline's end (its own clock, in its JSON log). */
  gantryMs: number;
  /** Delivery sent → the check run's `completed` reached the fake GitHub (includes Probot's write throttle). */
  gantryCheckRunMs: number;
  /** Highest VmRSS sampled every 50 ms during the run, and VmHWM (peak since the process started) at the end. */
  maxRssBytes: number;
  hwmBytes: number;
  logBytes: number;
  textEndsWithLastLine: boolean;
}

export interface LogsResult {
  samples: LogsSample[];
  shell: Summary;
  gantry: Summary;
  gantryCheckRun: Summary;
  /** gantry ÷ shell, per iteration. */
  ratio: Summary;
  maxRss: Summary;
  hwm: Summary;
  allTextsEndWithLastLine: boolean;
  /** gantry's VmRSS and VmHWM once started, before the first run: what the process costs anyway. */
  idleRssBytes: number;
  idleHwmBytes: number;
}

// 127 characters and a newline: 1 GiB is a whole number of lines, and `yes` writes them in large blocks
const LINE = "x".repeat(127);

/**
 * Benchmark 3: a step printing 1 GiB, run by gantry, beside the same command redirected to a file by the shell:
 * wall time, peak RSS of gantry's process, and whether the check run's text ends with the last line printed.
 */
export async function benchLogs(options: LogsOptions, log: (line: string) => void): Promise<LogsResult> {
  const { fake, app } = await startFake(join(options.scratch, "logs-repos"));
  const command = `yes ${LINE} | head -c ${options.bytes}; echo "END-OF-LOG $GANTRY_SHA"`;
  const config = `pipelines:\n  print:\n    cancel_superseded: false\n    timeout: 10m\n    steps:\n      - run: '${command}'\n`;
  const { repo, pushes } = await repoWithPushes(fake, "logs", { config, count: options.iterations });
  const dataDir = join(options.scratch, "logs-data");
  const server = await startGantry({ name: "logs", app, dataDir, scratch: options.scratch, env: { GANTRY_CONCURRENCY: "1" } });
  const samples: LogsSample[] = [];
  await sleep(500);
  const idle = memoryOf(server.proc.pid) ?? { rss: Number.NaN, hwm: Number.NaN };
  log(`  logs: gantry idle RSS ${(idle.rss / 1e6).toFixed(0)} MB, peak so far ${(idle.hwm / 1e6).toFixed(0)} MB`);
  const shellRun = async (sha: string): Promise<number> => {
    const out = join(options.scratch, "logs-shell.out");
    const started = performance.now();
    const code = await runTracked("logs-shell", "sh", ["-c", `{ ${command}; } > ${out}`], {
      cwd: options.scratch,
      logPath: join(options.scratch, "logs-shell.log"),
      env: { ...baseEnv(), GANTRY_SHA: sha },
    });
    const elapsed = performance.now() - started;
    if (code !== 0) throw new Error(`the shell baseline exited with ${code}`);
    // the same bytes as gantry's log, less its step headers
    if (statSync(out).size < options.bytes) throw new Error(`the shell baseline wrote only ${statSync(out).size} bytes`);
    rmSync(out, { force: true });
    return elapsed;
  };
  try {
    for (let i = 0; i < options.iterations; i++) {
      const push = pushes[i]!;
      // alternate which goes first: a 1 GiB write is at the mercy of the page cache and of the other tenants
      let shellMs = i % 2 === 0 ? await shellRun(push.after) : Number.NaN;
      let maxRss = 0;
      const sampler = setInterval(() => {
        const memory = memoryOf(server.proc.pid);
        if (memory) maxRss = Math.max(maxRss, memory.rss);
      }, 50);
      const sentAt = Date.now();
      const answer = await deliver(server.webhookUrl, app.secret, pushEvent(push));
      if (answer.status !== 202) throw new Error(`delivery answered ${answer.status}`);
      const checkRun = await fake.waitFor(
        () => fake.checkRunsFor(repo.owner, repo.name).find((c) => c.head_sha === push.after && c.status === "completed"),
        10 * 60_000,
      );
      clearInterval(sampler);
      const hwm = memoryOf(server.proc.pid)?.hwm ?? Number.NaN;
      const runId = checkRun.external_id!;
      const ended = logTime(server.proc.output(), (e) => e["run"] === runId && /^pipeline (success|failure|timed_out|cancelled)$/.test(String(e["msg"])));
      const logFile = logPath(dataDir, runId, 1);
      const logBytes = statSync(logFile).size;
      rmSync(logFile, { force: true });
      if (Number.isNaN(shellMs)) shellMs = await shellRun(push.after);
      const completedAt = checkRunTimings(fake).get(checkRun.id)?.completedAt ?? Date.now();
      const sample: LogsSample = {
        iteration: i,
        shellMs,
        gantryMs: ended - sentAt,
        gantryCheckRunMs: completedAt - sentAt,
        maxRssBytes: maxRss,
        hwmBytes: hwm,
        logBytes,
        textEndsWithLastLine: lastLineOf(checkRun.output.text ?? "") === `END-OF-LOG ${push.after}` && checkRun.conclusion === "success",
      };
      samples.push(sample);
      log(
        `  logs #${i + 1}: shell ${shellMs.toFixed(0)} ms, gantry ${sample.gantryMs} ms (check run ${sample.gantryCheckRunMs} ms), ` +
          `RSS max ${(maxRss / 1e6).toFixed(0)} MB, peak ${(hwm / 1e6).toFixed(0)} MB, log ${(logBytes / 2 ** 30).toFixed(2)} GiB, text ends with last line: ${sample.textEndsWithLastLine}`,
      );
      await sleep(1_100);
    }
  } finally {
    await stopTracked(server.proc, "SIGTERM");
    await fake.close();
  }
  return {
    samples,
    shell: summarize(samples.map((s) => s.shellMs)),
    gantry: summarize(samples.map((s) => s.gantryMs)),
    gantryCheckRun: summarize(samples.map((s) => s.gantryCheckRunMs)),
    ratio: summarize(samples.map((s) => s.gantryMs / s.shellMs)),
    maxRss: summarize(samples.map((s) => s.maxRssBytes)),
    hwm: summarize(samples.map((s) => s.hwmBytes)),
    allTextsEndWithLastLine: samples.every((s) => s.textEndsWithLastLine),
    idleRssBytes: idle.rss,
    idleHwmBytes: idle.hwm,
  };
}

/** The last line of a check run's text: gantry shows the log tail inside a code fence, which is not part of the log. */
function lastLineOf(text: string): string {
  const lines = text.trimEnd().split("\n");
  if (/^`{3,}$/.test(lines.at(-1) ?? "")) lines.pop();
  return lines.at(-1) ?? "";
}
