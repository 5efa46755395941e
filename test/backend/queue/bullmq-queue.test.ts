import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { BullmqQueue, type BullmqQueueOptions } from "../../../src/backend/queue/bullmq-queue.js";
import { checkRedis } from "../../../src/backend/queue/check-redis.js";
import { connectRedis, deleteKeys, randomPrefix, redisOptions, redisUrl, startPrivateRedis } from "../../helpers/redis.js";
import { queueContract } from "./queue-contract.js";

const until = async (predicate: () => boolean, timeoutMs = 10_000) => {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
};

// connected by the first test rather than in beforeAll, so that without Redis every test fails, none is skipped
let admin: Redis | null = null;
const opened: Array<{ prefix: string; queues: BullmqQueue[] }> = [];
/** Errors BullMQ reported about Redis; there must be none, even around a killed consumer. */
let connectionErrors: Error[] = [];

afterEach(async () => {
  for (const { prefix, queues } of opened.splice(0)) {
    // a consumer stuck in a never-finishing job is abandoned, not waited for
    await Promise.all(queues.map((queue) => queue.abandon().then(() => queue.close())));
    await deleteKeys(admin!, prefix);
  }
  const errors = connectionErrors;
  connectionErrors = [];
  expect(errors).toEqual([]);
});

afterAll(async () => {
  await admin?.quit();
});

/** Queues on one fresh prefix and queue name, with short locks so that a dead consumer is noticed in about 1.5 s. */
async function fresh(overrides: Partial<BullmqQueueOptions> = {}) {
  admin ??= await connectRedis();
  const prefix = randomPrefix();
  const entry = { prefix, queues: [] as BullmqQueue[] };
  opened.push(entry);
  const bullPrefix = prefix.slice(0, -1);
  const make = (consumerId: string) => {
    const queue = new BullmqQueue({
      connection: redisOptions(),
      queueName: "runs",
      prefix: bullPrefix,
      consumerId,
      lockDurationMs: 1_000,
      onError: (error) => {
        throw error;
      },
      onConnectionError: (error) => connectionErrors.push(error),
      ...overrides,
    });
    entry.queues.push(queue);
    return queue;
  };
  return { make, bullPrefix, prefix };
}

queueContract("BullmqQueue", async (options = {}) => {
  const { make } = await fresh(options.onError ? { onError: options.onError } : {});
  return { queue: make("first"), reopen: async () => make("second"), kill: (queue) => (queue as BullmqQueue).abandon() };
});

describe("BullmqQueue", () => {
  it("ignores a run enqueued while it runs, and runs it again once it finished", async () => {
    const { make } = await fresh();
    const queue = make("a");
    const seen: string[] = [];
    let release: () => void = () => {};
    queue.consume((id) => {
      seen.push(id);
      return seen.length === 1 ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
    }, 2);
    await queue.enqueue("r1");
    await until(() => seen.length === 1);
    await queue.enqueue("r1");
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual(["r1"]);
    release();
    await new Promise((r) => setTimeout(r, 100));
    await queue.enqueue("r1");
    await until(() => seen.length === 2);
    expect(seen).toEqual(["r1", "r1"]);
  });

  it("keeps a job a stopping consumer hands back for the next consumer", async () => {
    const { make } = await fresh();
    const first = make("first");
    let started = false;
    let interrupt: () => void = () => {};
    first.consume(async () => {
      started = true;
      // as runPipeline does when a shutdown interrupts the run
      await new Promise<void>((resolve) => (interrupt = resolve));
      return { retryInMs: 0 };
    }, 1);
    await first.enqueue("interrupted");
    await until(() => started);
    const stopped = first.stop();
    interrupt();
    await stopped;
    const seen: string[] = [];
    make("second").consume(async (id) => void seen.push(id), 1);
    await until(() => seen.length === 1);
    expect(seen).toEqual(["interrupted"]);
  });

  it("hands the job of a consumer process killed with SIGKILL to another process's consumer", async () => {
    const { make, bullPrefix } = await fresh();
    const producer = make("producer");
    await producer.enqueue("job-of-the-dead");
    const child = spawn(process.execPath, ["--import", registerTsHooks(), CONSUMER, redisUrl(), bullPrefix, "runs"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => child.once("exit", resolve));
    try {
      await until(() => output.includes("started job-of-the-dead") || child.exitCode !== null, 30_000);
      expect(output).toContain("started job-of-the-dead");
    } finally {
      child.kill("SIGKILL");
    }
    expect(await exited).toBe(null);
    const seen: string[] = [];
    const killedAt = Date.now();
    make("survivor").consume(async (id) => void seen.push(id), 1);
    await until(() => seen.length === 1);
    expect(seen).toEqual(["job-of-the-dead"]);
    // at most lockDuration 1 s + one stalled interval of 0.25 s after the kill (takeoverBoundMs)
    expect(Date.now() - killedAt).toBeLessThan(5_000);
  });

  it("gives up on a job that killed its consumer three times, and says so through onError", async () => {
    const errors: Array<[string, string]> = [];
    const { make } = await fresh({ onError: (error, runId) => errors.push([runId, (error as Error).message]) });
    await make("producer").enqueue("poison");
    let starts = 0;
    for (let i = 0; i < 3; i++) {
      const consumer = make(`victim-${i}`);
      consumer.consume(() => {
        starts++;
        return new Promise<void>(() => {});
      }, 1);
      await until(() => starts === i + 1);
      await consumer.abandon();
    }
    const seen: string[] = [];
    make("last").consume(async (id) => void seen.push(id), 1);
    await until(() => errors.length === 1);
    expect(errors).toEqual([["poison", "gantry: the queue dropped run poison: job stalled more than allowable limit"]]);
    expect(seen).toEqual([]);
  });

  it("rejects job ids BullMQ cannot take and bad options, quoting them", async () => {
    const { make } = await fresh();
    const queue = make("a");
    await expect(queue.enqueue("a:b")).rejects.toThrow('gantry: run id "a:b" cannot be a BullMQ job id');
    await expect(queue.enqueue("42")).rejects.toThrow('gantry: run id "42" cannot be a BullMQ job id');
    await expect(queue.enqueue("x", { delayMs: -1 })).rejects.toThrow("gantry: enqueue option delayMs must be a number of milliseconds ≥ 0, got -1");
    expect(() => queue.consume(async () => {}, 0)).toThrow("gantry: consume concurrency must be a whole number ≥ 1, got 0");
    expect(() => make("b").consume(async () => {}, 1.5)).toThrow("got 1.5");
    const options = { connection: redisOptions(), lockDurationMs: 1_000, onError: () => {}, onConnectionError: () => {} };
    expect(() => new BullmqQueue({ ...options, queueName: "a:b" })).toThrow('gantry: BullmqQueue option queueName must be non-empty and without ":", got "a:b"');
    expect(() => new BullmqQueue({ ...options, queueName: "runs", lockDurationMs: 0 })).toThrow(
      "gantry: BullmqQueue option lockDurationMs must be a whole number of milliseconds > 0, got 0",
    );
  });
});

describe("checkRedis", () => {
  it("accepts noeviction and names any other policy, with the fix", async () => {
    // a private server: flipping the policy on the shared one would make other test files' nodes refuse to start
    const server = await startPrivateRedis();
    const redis = new Redis(server.url);
    const [, original] = (await redis.config("GET", "maxmemory-policy")) as [string, string];
    try {
      await redis.config("SET", "maxmemory-policy", "noeviction");
      await checkRedis(redis);
      await redis.config("SET", "maxmemory-policy", "allkeys-lru");
      const error = await checkRedis(redis).then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(error?.message).toMatch(/^gantry: Redis has maxmemory-policy "allkeys-lru", but BullMQ requires "noeviction"/);
      expect(error?.message).toContain("redis-cli CONFIG SET maxmemory-policy noeviction");
      expect(error?.message).toContain("maxmemory-policy noeviction` in redis.conf");
      // managed Redis services often refuse CONFIG: INFO memory tells the policy too
      const noConfig = new Proxy(redis, {
        get: (target, key, receiver) =>
          key === "config" ? async () => Promise.reject(new Error("ERR unknown command 'CONFIG'")) : Reflect.get(target, key, receiver),
      });
      await expect(checkRedis(noConfig)).rejects.toThrow('maxmemory-policy "allkeys-lru"');
    } finally {
      await redis.config("SET", "maxmemory-policy", original);
      await redis.quit();
      await server.stop();
    }
  });
});

const CONSUMER = fileURLToPath(new URL("fixtures/consume-forever.ts", import.meta.url));

/** `--import` value that makes the child able to run the TypeScript sources (see fixtures/ts-hooks.mjs). */
function registerTsHooks(): string {
  const hooks = new URL("fixtures/ts-hooks.mjs", import.meta.url).href;
  return `data:text/javascript,${encodeURIComponent(`import { register } from "node:module"; register(${JSON.stringify(hooks)});`)}`;
}
