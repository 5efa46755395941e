import { randomBytes } from "node:crypto";
import { Redis, type RedisOptions } from "ioredis";
import { redisOptionsFromUrl } from "../../src/storage/redis/redis-options-from-url.js";

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
