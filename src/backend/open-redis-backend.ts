import { Redis } from "ioredis";
import type { Logger } from "probot";
import { BullmqQueue, takeoverBoundMs } from "./queue/bullmq-queue.js";
import { checkRedis } from "./queue/check-redis.js";
import { redisOptionsFromUrl } from "./storage/redis/redis-options-from-url.js";
import { RedisStore } from "./storage/redis-store.js";
import { backendOf, type Backend } from "./backend.js";

export interface RedisBackendOptions {
  url: string;
  /** How long a worker's hold on a job lasts without renewal: the time to notice a dead worker. */
  lockMs: number;
  log: Logger;
  /** This process (currentNodeId): BullMQ's name for its consumer. */
  nodeId: string;
}

/**
 * Many nodes, one Redis: run records in a RedisStore, the queue in BullMQ (a dead worker's job goes to another
 * through BullMQ's stalled-job recovery). Refuses a Redis that may evict keys, as BullMQ requires.
 */
export async function openRedisBackend(options: RedisBackendOptions): Promise<Backend> {
  const connection = redisOptionsFromUrl(options.url);
  const redis = new Redis({ ...connection, lazyConnect: true, maxRetriesPerRequest: 3 });
  redis.on("error", (error: Error) => options.log.error({ err: error }, "redis connection error"));
  await redis.connect();
  try {
    await checkRedis(redis);
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  const store = new RedisStore(redis, { prefix: "gantry:" });
  const queue = new BullmqQueue({
    connection,
    queueName: "runs",
    prefix: "gantry-queue",
    consumerId: options.nodeId,
    lockDurationMs: options.lockMs,
    onError: (error, runId) => options.log.error({ err: error, run: runId }, "run failed unexpectedly"),
    onConnectionError: (error) => options.log.error({ err: error }, "queue connection error"),
  });
  options.log.info(`queue and runs on Redis (shared by every node; the runs of a worker that dies go to another within ${takeoverBoundMs(options.lockMs) / 1000}s)`);
  return backendOf(store, queue, async () => {
    await redis.quit();
  });
}
