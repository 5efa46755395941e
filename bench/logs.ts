import { readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { checkRunTimings } from "./checks.js";
import { repoWithPushes, startFake } from "./fake.js";
import { startGantry } from "./gantry.js";
import { deliver, pushEvent } from "./payloads.js";
import { baseEnv, memoryOf, runTracked, sleep, stopTracked } from "./processes.js";
import { summarize, type Summary } from "./stats.js";

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
  try {
    for (let i = 0; i < options.iterations; i++) {
      const push = pushes[i]!;
      const out = join(options.scratch, "logs-shell.out");
      const shellStart = performance.now();
      const code = await runTracked("logs-shell", "sh", ["-c", `${command} > ${out}`], {
        cwd: options.scratch,
        logPath: join(options.scratch, "logs-shell.log"),
        env: { ...baseEnv(), GANTRY_SHA: push.after },
      });
      const shellMs = performance.now() - shellStart;
      if (code !== 0) throw new Error(`the shell baseline exited with ${code}`);
      rmSync(out, { force: true });

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
      const ended = endOfRun(server.proc.output(), runId);
      const logFile = join(dataDir, "logs", `${runId}.log`);
      const logBytes = statSync(logFile).size;
      rmSync(logFile, { force: true });
      const completedAt = checkRunTimings(fake).get(checkRun.id)?.completedAt ?? Date.now();
      const sample: LogsSample = {
        iteration: i,
        shellMs,
        gantryMs: ended - sentAt,
        gantryCheckRunMs: completedAt - sentAt,
        maxRssBytes: maxRss,
        hwmBytes: hwm,
        logBytes,
        textEndsWithLastLine: (checkRun.output.text ?? "").trimEnd().endsWith(`END-OF-LOG ${push.after}`) && checkRun.conclusion === "success",
      };
      samples.push(sample);
      if (process.env["BENCH_DEBUG"]) log(JSON.stringify({ summary: checkRun.output.summary, tail: (checkRun.output.text ?? "").slice(-300), cpu: cpuOf(server.proc.pid) }));
      log(
        `  logs #${i + 1}: shell ${shellMs.toFixed(0)} ms, gantry ${sample.gantryMs} ms (check run ${sample.gantryCheckRunMs} ms), ` +
          `RSS max ${(maxRss / 2 ** 20).toFixed(0)} MiB, peak ${(hwm / 2 ** 20).toFixed(0)} MiB, log ${(logBytes / 2 ** 30).toFixed(2)} GiB, text ends with last line: ${sample.textEndsWithLastLine}`,
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
  };
}

/** When gantry logged the end of a run (pino's `time`, epoch ms). */
export function endOfRun(output: string, runId: string): number {
  for (const line of output.split("\n")) {
    if (!line.includes(runId) || !line.includes('"msg":"pipeline ')) continue;
    const entry = JSON.parse(line) as { time: number; msg: string; run?: string };
    if (entry.run === runId && /^pipeline (success|failure|timed_out|cancelled)$/.test(entry.msg)) return entry.time;
  }
  throw new Error(`gantry logged no end for run ${runId}`);
}

function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
