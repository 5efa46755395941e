import { randomUUID } from "node:crypto";
import { join } from "node:path";
import autocannon, { type Result } from "autocannon";
import Database from "better-sqlite3";
import type { App } from "./fake.js";
import { startBaseline, startGantry, type GantryNode } from "./gantry.js";
import { deliveryHeaders, examplePush } from "./payloads.js";
import { stopTracked } from "./processes.js";
import { summarize, type Summary } from "./stats.js";

/** probot: Probot's own `run` (its logger at gantry's LOG_LEVEL); probot-default: the old baseline (see servers/). */
export type Target = "raw" | "probot" | "probot-default" | "gantry";
const TARGETS: Target[] = ["raw", "probot", "probot-default", "gantry"];

export interface IngestOptions {
  app: App;
  scratch: string;
  /** Seconds of load per measurement. */
  durationS: number;
  rounds: number;
  connections: number;
  sizes: Array<"small" | "large">;
  /** Extra node arguments for gantry's server (e.g. --cpu-prof). */
  gantryNodeArgs?: string[];
  /** Default: all four. */
  targets?: Target[];
  /** LOG_LEVEL for gantry and the fair Probot baseline (default info, as `npm start` defaults to). */
  logLevel?: string;
}

export interface IngestSample {
  size: "small" | "large";
  target: Target;
  round: number;
  reqPerSec: number;
  p50: number;
  p99: number;
  acked: number;
  non2xx: number;
  errors: number;
  /** gantry only: rows in `deliveries` after the server stopped, and acknowledged ids not among them. */
  stored?: number;
  missing?: number;
  /** ms from the server's start to the measured load's start (start-up and warm-up, for profiles). */
  loadStartMs: number;
}

export interface IngestFigures {
  reqPerSec: Summary;
  p50: Summary;
  p99: Summary;
}

export interface IngestResult {
  payloadBytes: Record<string, number>;
  samples: IngestSample[];
  /** By size, then target. */
  summary: Record<string, Record<Target, IngestFigures>>;
  logLevel: string;
  /** gantry ÷ bare Probot throughput (the fair baseline), per round (same round = nearest in time), by size. */
  ratioToProbot: Record<string, Summary>;
  /** gantry ÷ the old baseline (Probot's Server with its fallback logger). */
  ratioToProbotDefault: Record<string, Summary>;
  ratioToRaw: Record<string, Summary>;
  /** Acknowledged deliveries missing from the store, over every gantry run. */
  lost: number;
}

/** Benchmark 1: signed push deliveries at `connections` connections against the raw server, bare Probot and gantry. */
export async function benchIngest(options: IngestOptions, log: (line: string) => void): Promise<IngestResult> {
  const samples: IngestSample[] = [];
  const payloadBytes: Record<string, number> = {};
  for (const size of options.sizes) {
    const body = examplePush(size === "large" ? 1024 * 1024 : 0);
    payloadBytes[size] = Buffer.byteLength(body);
    const headers = await deliveryHeaders(options.app.secret, body, "replaced-per-request");
    for (let round = 0; round < options.rounds; round++) {
      // rotate the order, so no target is always measured first (or last) in a round
      const targets = options.targets ?? TARGETS;
      const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
      for (const target of order) {
        const sample = await measure(options, target, size, round, body, headers);
        samples.push(sample);
        log(
          `  ingest ${size} ${target.padEnd(14)} round ${round + 1}: ${sample.reqPerSec.toFixed(0)} req/s, p50 ${sample.p50} ms, p99 ${sample.p99} ms` +
            (sample.stored !== undefined ? `, ${sample.acked} acked, ${sample.stored} stored, ${sample.missing} missing` : "") +
            (sample.non2xx || sample.errors ? `, ${sample.non2xx} non-2xx, ${sample.errors} errors` : ""),
        );
      }
    }
  }

  const summary: IngestResult["summary"] = {};
  const ratioToProbot: Record<string, Summary> = {};
  const ratioToRaw: Record<string, Summary> = {};
  const ratioToProbotDefault: Record<string, Summary> = {};
  for (const size of options.sizes) {
    const of = (target: Target) => samples.filter((s) => s.size === size && s.target === target);
    summary[size] = Object.fromEntries(
      TARGETS.map((target) => [
        target,
        { reqPerSec: summarize(of(target).map((s) => s.reqPerSec)), p50: summarize(of(target).map((s) => s.p50)), p99: summarize(of(target).map((s) => s.p99)) },
      ]),
    ) as Record<Target, IngestFigures>;
    const perRound = (baseline: Target) =>
      summarize(of("gantry").map((g) => g.reqPerSec / (of(baseline).find((b) => b.round === g.round)?.reqPerSec ?? Number.NaN)));
    ratioToProbot[size] = perRound("probot");
    ratioToRaw[size] = perRound("raw");
    ratioToProbotDefault[size] = perRound("probot-default");
  }
  const lost = samples.reduce((sum, s) => sum + (s.missing ?? 0), 0);
  return { payloadBytes, samples, summary, logLevel: options.logLevel ?? "info", ratioToProbot, ratioToRaw, ratioToProbotDefault, lost };
}

async function measure(
  options: IngestOptions,
  target: Target,
  size: "small" | "large",
  round: number,
  body: string,
  headers: Record<string, string>,
): Promise<IngestSample> {
  const name = `ingest-${size}-${target}-${round}`;
  const dataDir = join(options.scratch, `${name}-data`);
  const node: GantryNode =
    target === "gantry"
      ? await startGantry({
          name,
          app: options.app,
          dataDir,
          scratch: options.scratch,
          // receive only: nothing runs; no redelivery sweeps
          env: { GANTRY_CONCURRENCY: "0", LOG_LEVEL: options.logLevel ?? "info" },
          ...(options.gantryNodeArgs ? { nodeArgs: options.gantryNodeArgs } : {}),
        })
      : await startBaseline(target, options.app, options.scratch, name, options.logLevel ?? "info");
  const acked: string[] = [];
  try {
    // warm up (JIT, connection setup, SQLite pages) with a few hundred deliveries, then measure
    await load(node.webhookUrl, body, headers, { connections: options.connections, amount: size === "large" ? 100 : 500 }, []);
    const loadStartMs = Date.now() - node.proc.startedAt;
    const result = await load(node.webhookUrl, body, headers, { connections: options.connections, duration: options.durationS }, acked);
    const sample: IngestSample = {
      size,
      target,
      round,
      reqPerSec: acked.length / result.duration,
      p50: result.latency.p50,
      p99: result.latency.p99,
      acked: acked.length,
      non2xx: result.non2xx,
      errors: result.errors,
      loadStartMs,
    };
    if (target === "gantry") {
      // stopped first (gracefully): what is in the file now is what survived
      await stopTracked(node.proc, "SIGTERM");
      const db = new Database(join(dataDir, "gantry.db"), { readonly: true });
      try {
        const ids = new Set((db.prepare("SELECT id FROM deliveries").pluck().all() as string[]));
        sample.stored = ids.size;
        sample.missing = acked.filter((id) => !ids.has(id)).length;
      } finally {
        db.close();
      }
    }
    return sample;
  } finally {
    await stopTracked(node.proc, "SIGTERM");
  }
}

/** autocannon with a fresh X-GitHub-Delivery per request (the signature does not cover it); collects acked ids. */
function load(
  url: string,
  body: string,
  headers: Record<string, string>,
  limit: { connections: number; duration?: number; amount?: number },
  acked: string[],
): Promise<Result> {
  return autocannon({
    url,
    method: "POST",
    connections: limit.connections,
    ...(limit.duration !== undefined ? { duration: limit.duration } : {}),
    ...(limit.amount !== undefined ? { amount: limit.amount } : {}),
    timeout: 30,
    headers,
    body,
    requests: [
      {
        setupRequest: (request, context) => {
          const id = randomUUID();
          context["id"] = id;
          request.headers = { ...request.headers, "x-github-delivery": id };
          return request;
        },
        onResponse: (status, _body, context) => {
          if (status >= 200 && status < 300) acked.push(context["id"] as string);
        },
      },
    ],
  });
}
