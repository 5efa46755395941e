import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { repoWithPushes, startFake, type Push } from "./fake.js";
import { startGantry, type GantryNode } from "./gantry.js";
import { deliveryHeaders, pushEvent } from "./payloads.js";
import { machineCpu, sleep, stopTracked } from "./processes.js";
import { maxOverlap, summarize, type Summary } from "./stats.js";

export const REDIS_URL = "redis://127.0.0.1:6379/9";

export interface ScaleOutOptions {
  scratch: string;
  workerCounts: number[];
  /** GANTRY_CONCURRENCY of each worker. */
  perWorker: number;
  /** Builds per measurement. */
  builds: number;
  rounds: number;
}

export interface ScaleOutSample {
  workers: number;
  round: number;
  buildsPerSecond: number;
  /** First step start → last step end, seconds. */
  spanS: number;
  maxOverlap: number;
  /** Share of both cores busy (all processes) from the first delivery to the last build's end. */
  cpuBusy: number;
}

export interface ScaleOutResult {
  samples: ScaleOutSample[];
  /** By worker count. */
  buildsPerSecond: Record<number, Summary>;
  /** builds/s with W workers ÷ with 1 worker, same round. */
  speedup: Record<number, Summary>;
  /** The most builds any one measurement had running at once. */
  maxOverlap: Record<number, number>;
  cpuBusy: Record<number, Summary>;
}

/**
 * Benchmark 5: builds per second of a `sleep 0.2` pipeline with 1, 2, 4 `gantry worker` processes on one Redis,
 * the server receiving only (GANTRY_CONCURRENCY=0). Workers are up before the pushes arrive; the rate is taken
 * from the steps' own clocks, first start to last end.
 */
export async function benchScaleOut(options: ScaleOutOptions, log: (line: string) => void): Promise<ScaleOutResult> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect().catch((error: Error) => {
    throw new Error(`scale-out needs Redis at ${REDIS_URL} (${error.message}); start one with redis-server --daemonize yes --bind 127.0.0.1`);
  });
  const { fake, app } = await startFake(join(options.scratch, "scale-out-repos"));
  const steps = join(options.scratch, "scale-out-steps");
  const step = `echo "s $(date +%s%N) $GANTRY_SHA" >> ${steps}; sleep 0.2; echo "e $(date +%s%N) $GANTRY_SHA" >> ${steps}`;
  const config = `pipelines:\n  build:\n    cancel_superseded: false\n    steps:\n      - run: '${step}'\n`;
  const repos = 4;
  const perConfig = Math.ceil(options.builds / repos);
  const measurements = options.rounds * options.workerCounts.length;
  // one fresh commit per build and measurement, over four repositories in four installations
  const made = await Promise.all(
    Array.from({ length: repos }, (_, k) => repoWithPushes(fake, `scale-${k}`, { config, count: perConfig * measurements, installationId: k + 1 })),
  );
  let cursor = 0;
  const nextPushes = (): Push[] => {
    const pushes: Push[] = [];
    for (let j = 0; j < perConfig; j++) for (const { pushes: list } of made) if (pushes.length < options.builds) pushes.push(list[cursor * perConfig + j]!);
    cursor += 1;
    return pushes;
  };

  const samples: ScaleOutSample[] = [];
  try {
    for (let round = 0; round < options.rounds; round++) {
      for (const workers of options.workerCounts) {
        await redis.flushdb();
        writeFileSync(steps, "");
        const name = `scale-out-${workers}w-${round}`;
        const env = { REDIS_URL, GANTRY_WORKER_LOCK_SECONDS: "30" };
        const nodes: GantryNode[] = [];
        try {
          const server = await startGantry({ name, app, dataDir: join(options.scratch, `${name}-data`), scratch: options.scratch, env: { ...env, GANTRY_CONCURRENCY: "0" } });
          nodes.push(server);
          nodes.push(
            ...(await Promise.all(
              Array.from({ length: workers }, (_, w) =>
                startGantry({
                  name: `${name}-worker${w}`,
                  role: "worker",
                  app,
                  dataDir: join(options.scratch, `${name}-worker${w}-data`),
                  scratch: options.scratch,
                  env: { ...env, GANTRY_CONCURRENCY: String(options.perWorker) },
                }),
              ),
            )),
          );
          const pushes = nextPushes();
          const cpuBefore = machineCpu();
          for (const push of pushes) {
            const body = pushEvent(push);
            const response = await fetch(server.webhookUrl, { method: "POST", headers: await deliveryHeaders(app.secret, body), body });
            await response.arrayBuffer();
            if (response.status !== 202) throw new Error(`delivery answered ${response.status}`);
          }
          const deadline = Date.now() + 120_000;
          let ends: string[] = [];
          for (;;) {
            ends = readFileSync(steps, "utf8").split("\n").filter((l) => l.startsWith("e "));
            if (ends.length >= pushes.length) break;
            if (Date.now() > deadline) throw new Error(`${name}: only ${ends.length} of ${pushes.length} builds ended within 120 s`);
            await sleep(50);
          }
          const cpuAfter = machineCpu();
          const cpuBusy = (cpuAfter.busy - cpuBefore.busy) / Math.max(1, cpuAfter.total - cpuBefore.total);
          const lines = readFileSync(steps, "utf8").trim().split("\n");
          const intervals = pairIntervals(lines);
          const first = Math.min(...intervals.map((i) => i[0]));
          const last = Math.max(...intervals.map((i) => i[1]));
          const spanS = (last - first) / 1000;
          const sample = { workers, round, buildsPerSecond: pushes.length / spanS, spanS, maxOverlap: maxOverlap(intervals), cpuBusy };
          samples.push(sample);
          log(`  scale-out ${workers} worker(s) round ${round + 1}: ${pushes.length} builds in ${spanS.toFixed(2)} s = ${sample.buildsPerSecond.toFixed(2)} builds/s, at most ${sample.maxOverlap} at once, CPU ${(cpuBusy * 100).toFixed(0)}% busy`);
        } finally {
          // measured; the check runs still being reported do not matter here
          await Promise.all(nodes.map((node) => stopTracked(node.proc, "SIGKILL")));
        }
      }
    }
  } finally {
    await fake.close();
    await redis.flushdb().catch(() => undefined);
    redis.disconnect();
  }
  const buildsPerSecond: Record<number, Summary> = {};
  const speedup: Record<number, Summary> = {};
  const overlap: Record<number, number> = {};
  const cpuBusy: Record<number, Summary> = {};
  for (const workers of options.workerCounts) {
    const of = samples.filter((s) => s.workers === workers);
    buildsPerSecond[workers] = summarize(of.map((s) => s.buildsPerSecond));
    speedup[workers] = summarize(
      of.map((s) => s.buildsPerSecond / (samples.find((b) => b.workers === options.workerCounts[0] && b.round === s.round)?.buildsPerSecond ?? Number.NaN)),
    );
    overlap[workers] = Math.max(...of.map((s) => s.maxOverlap));
    cpuBusy[workers] = summarize(of.map((s) => s.cpuBusy));
  }
  return { samples, buildsPerSecond, speedup, maxOverlap: overlap, cpuBusy };
}

/** [start, end] in ms of each step, from its "s <ns> <sha>" and "e <ns> <sha>" lines. */
function pairIntervals(lines: string[]): Array<[number, number]> {
  const open = new Map<string, number>();
  const intervals: Array<[number, number]> = [];
  for (const line of lines) {
    const [kind, ns, sha] = line.split(" ") as [string, string, string];
    const ms = Number(BigInt(ns) / 1000n) / 1000;
    if (kind === "s") open.set(sha, ms);
    else if (open.has(sha)) {
      intervals.push([open.get(sha)!, ms]);
      open.delete(sha);
    }
  }
  return intervals;
}
