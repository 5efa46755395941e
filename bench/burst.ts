import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkRunTimings, countCheckRunWrites } from "./checks.js";
import { repoWithPushes, startFake, type Push } from "./fake.js";
import { startBaseline, startGantry } from "./gantry.js";
import { deliveryHeaders, pushEvent } from "./payloads.js";
import { sleep, stopTracked } from "./processes.js";
import { maxOverlap, median } from "./stats.js";

export interface BurstOptions {
  scratch: string;
  deliveries: number;
  repos: number;
  installations: number;
  /** gantry's GANTRY_CONCURRENCY. */
  concurrency: number;
  /** Parallel senders. */
  senders: number;
  /** Give up waiting for completion after this long. */
  timeoutS: number;
}

export interface BurstResult {
  deliveries: number;
  repos: number;
  installations: number;
  concurrency: number;
  /** Seconds from the first delivery sent to: every delivery answered 2xx, every check run on GitHub, every one completed. */
  ackedS: number;
  /** The same deliveries, same senders, against the raw node:http server (baseline). */
  rawAckedS: number;
  queuedS: number;
  completedS: number;
  /** Lower bound set by Probot's write throttle (one write a second per installation), from the writes made. */
  throttleBoundS: number;
  writesPerPipeline: { median: number; max: number; mean: number };
  acked: number;
  completed: number;
  lost: number;
  duplicated: number;
  notSuccess: number;
  /** Pushes whose step ran more than once. */
  ranTwice: number;
  maxOverlap: number;
  timedOut: boolean;
}

/**
 * Benchmark 4: N push deliveries across R repositories (I installations), sent as fast as parallel senders can,
 * against a fake GitHub answering in 50–150 ms: time to acknowledged, to every check run visible, to every one
 * completed; writes per pipeline; the concurrency limit; nothing lost, nothing duplicated.
 */
export async function benchBurst(options: BurstOptions, log: (line: string) => void): Promise<BurstResult> {
  const tag = `burst-${options.deliveries}`;
  const { fake, app } = await startFake(join(options.scratch, `${tag}-repos`), { latencyMs: [50, 150] });
  const steps = join(options.scratch, `${tag}-steps`);
  writeFileSync(steps, "");
  // each step notes its start and end (ns) and which push it built; the 50 ms sleep makes overlaps visible
  const step = `echo "s $(date +%s%N) $GANTRY_SHA" >> ${steps}; sleep 0.05; echo "e $(date +%s%N) $GANTRY_SHA" >> ${steps}`;
  const config = `pipelines:\n  build:\n    cancel_superseded: false\n    steps:\n      - run: '${step}'\n`;
  const perRepo = Math.ceil(options.deliveries / options.repos);
  const made: Push[][] = [];
  const setupStart = Date.now();
  for (let k = 0; k < options.repos; k += 4) {
    const batch = Array.from({ length: Math.min(4, options.repos - k) }, (_, j) =>
      repoWithPushes(fake, `repo-${k + j}`, { config, count: perRepo, installationId: ((k + j) % options.installations) + 1 }).then((r) => r.pushes),
    );
    made.push(...(await Promise.all(batch)));
  }
  // round robin over repositories, each repository's pushes in order
  const pushes: Push[] = [];
  for (let j = 0; j < perRepo; j++) for (const list of made) if (list[j] && pushes.length < options.deliveries) pushes.push(list[j]!);
  const bodies = await Promise.all(
    pushes.map(async (push) => {
      const body = pushEvent(push);
      return { body, headers: await deliveryHeaders(app.secret, body) };
    }),
  );
  log(`  burst: ${pushes.length} pushes in ${options.repos} repositories ready in ${((Date.now() - setupStart) / 1000).toFixed(1)} s`);

  try {
    // baseline: the same deliveries, the same senders, against the raw server
    const raw = await startBaseline("raw", app, options.scratch, `${tag}-raw`);
    const rawSend = await sendAll(raw.webhookUrl, bodies, options.senders);
    await stopTracked(raw.proc);
    const rawAckedS = (rawSend.lastAnswer - rawSend.start) / 1000;

    const server = await startGantry({
      name: tag,
      app,
      dataDir: join(options.scratch, `${tag}-data`),
      scratch: options.scratch,
      env: { GANTRY_CONCURRENCY: String(options.concurrency) },
    });
    try {
      const t0 = Date.now();
      const sent = await sendAll(server.webhookUrl, bodies, options.senders);
      const ackedS = (sent.lastAnswer - sent.start) / 1000;
      log(`  burst: ${sent.ok} of ${bodies.length} acknowledged in ${ackedS.toFixed(2)} s (raw server: ${rawAckedS.toFixed(2)} s)`);

      const wanted = new Set(pushes.map((p) => `${p.repo.name}@${p.after}`));
      const deadline = t0 + options.timeoutS * 1000;
      let lastReport = Date.now();
      let timedOut = false;
      for (;;) {
        const runs = [...fake.checkRuns.values()].filter((c) => c.name === "build");
        const done = new Set(runs.filter((c) => c.status === "completed").map((c) => `${c.repo}@${c.head_sha}`));
        if ([...wanted].every((key) => done.has(key))) break;
        if (Date.now() > deadline) {
          timedOut = true;
          break;
        }
        if (Date.now() - lastReport > 15_000) {
          lastReport = Date.now();
          log(`  burst: ${((Date.now() - t0) / 1000).toFixed(0)} s: ${runs.length} check runs, ${done.size} completed`);
        }
        await sleep(250);
      }

      const timings = [...checkRunTimings(fake).values()];
      const runs = [...fake.checkRuns.values()].filter((c) => c.name === "build");
      const perPush = new Map<string, number>();
      for (const run of runs) perPush.set(`${run.repo}@${run.head_sha}`, (perPush.get(`${run.repo}@${run.head_sha}`) ?? 0) + 1);
      const completedRuns = runs.filter((c) => c.status === "completed");
      const completedKeys = new Set(completedRuns.map((c) => `${c.repo}@${c.head_sha}`));
      const writes = timings.map((t) => t.writes);
      const writesByInstallation = new Map<number, number>();
      for (const t of timings) {
        const installation = fake.checkRuns.get(t.id)!.installationId;
        writesByInstallation.set(installation, (writesByInstallation.get(installation) ?? 0) + t.writes);
      }
      const lines = readFileSync(steps, "utf8").trim().split("\n").filter(Boolean);
      const startsBySha = new Map<string, bigint>();
      const intervals: Array<[number, number]> = [];
      const executions = new Map<string, number>();
      for (const line of lines) {
        const [kind, ns, sha] = line.split(" ") as [string, string, string];
        if (kind === "s") {
          startsBySha.set(sha, BigInt(ns));
          executions.set(sha, (executions.get(sha) ?? 0) + 1);
        } else if (startsBySha.has(sha)) {
          intervals.push([Number(startsBySha.get(sha)! / 1000n), Number(BigInt(ns) / 1000n)]);
          startsBySha.delete(sha);
        }
      }
      const result: BurstResult = {
        deliveries: pushes.length,
        repos: options.repos,
        installations: options.installations,
        concurrency: options.concurrency,
        ackedS,
        rawAckedS,
        queuedS: (Math.max(...timings.map((t) => t.createdAt)) - t0) / 1000,
        completedS: (Math.max(...timings.map((t) => t.completedAt ?? Number.NaN)) - t0) / 1000,
        throttleBoundS: Math.max(...[...writesByInstallation.values()].map((n) => n - 1)),
        writesPerPipeline: { median: median(writes), max: Math.max(...writes), mean: countCheckRunWrites(fake) / Math.max(1, runs.length) },
        acked: sent.ok,
        completed: completedKeys.size,
        lost: [...wanted].filter((key) => !completedKeys.has(key)).length,
        duplicated: [...perPush.values()].filter((n) => n > 1).length,
        notSuccess: completedRuns.filter((c) => c.conclusion !== "success").length,
        ranTwice: [...executions.values()].filter((n) => n > 1).length,
        maxOverlap: maxOverlap(intervals),
        timedOut,
      };
      log(
        `  burst: queued on GitHub after ${result.queuedS.toFixed(1)} s, completed after ${result.completedS.toFixed(1)} s ` +
          `(throttle bound ${result.throttleBoundS} s); writes/pipeline median ${result.writesPerPipeline.median}, max ${result.writesPerPipeline.max}; ` +
          `max overlap ${result.maxOverlap}/${options.concurrency}; lost ${result.lost}, duplicated ${result.duplicated}, ran twice ${result.ranTwice}` +
          (timedOut ? " (TIMED OUT)" : ""),
      );
      return result;
    } finally {
      await stopTracked(server.proc, "SIGTERM");
    }
  } finally {
    await fake.close();
  }
}

/** Posts every delivery, `senders` at a time, each sender one after the other; counts 2xx answers. */
async function sendAll(
  url: string,
  deliveries: Array<{ body: string; headers: Record<string, string> }>,
  senders: number,
): Promise<{ start: number; lastAnswer: number; ok: number }> {
  let next = 0;
  let ok = 0;
  let lastAnswer = 0;
  const start = Date.now();
  const sender = async () => {
    for (;;) {
      const index = next++;
      if (index >= deliveries.length) return;
      const { body, headers } = deliveries[index]!;
      for (let attempt = 0; ; attempt++) {
        try {
          const response = await fetch(url, { method: "POST", headers, body });
          await response.arrayBuffer();
          if (response.status >= 200 && response.status < 300) ok += 1;
          break;
        } catch (error) {
          if (attempt >= 2) throw error;
        }
      }
      lastAnswer = Math.max(lastAnswer, Date.now());
    }
  };
  await Promise.all(Array.from({ length: senders }, sender));
  return { start, lastAnswer, ok };
}
