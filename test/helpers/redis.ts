import { randomBytes } from "node:crypto";
import { Redis, type RedisOptions } from "ioredis";
import { redisOptionsFromUrl } from "../../src/backend/storage/redis/redis-options-from-url.js";

/** The Redis the tests use: REDIS_URL, or the local default. */
export function redisUrl(): string {
  return process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";
}

export function redisOptions(): RedisOptions {
  return redisOptionsFromUrl(redisUrl());
}

/**
 * A connected client, or a thrown error that says how to start Redis: these tests fail when Redis is
 * missing rather than skip, so a green run always means they ran.
 */
export async function connectRedis(): Promise<Redis> {
  const redis = new Redis({ ...redisOptions(), lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  // the socket's error (ECONNREFUSED) says more than the "Connection is closed." connect() rejects with
  let cause: unknown = null;
  redis.on("error", (error: unknown) => (cause ??= error));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new Error(
      `Redis is not reachable at ${redisUrl()} (${((cause ?? error) as Error).message}); start it with ` +
        `redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no, or set REDIS_URL`,
    );
  }
  return redis;
}

/** A key prefix no other test uses, ending in ":". */
export function randomPrefix(): string {
  return `gantry-test:${randomBytes(6).toString("hex")}:`;
}

/** Deletes every key under `prefix` (SCAN, so a shared Redis is not blocked). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`;
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== "0");
}

/**
 * A redis-server of its own on a free loopback port, for tests that change server settings (such as the
 * eviction policy) which would disturb every other test sharing the machine's Redis.
 */
export async function startPrivateRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  const { spawn } = await import("node:child_process");
  const { createServer } = await import("node:net");
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on("error", () => {});
    const up = await client.connect().then(() => client.ping(), () => null);
    client.disconnect();
    if (up === "PONG") break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`redis-server did not start on port ${port}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    async stop() {
      child.kill("SIGKILL");
      await exited;
    },
  };
}
