import type { Redis } from "ioredis";

/**
 * Refuses a Redis that may evict keys: BullMQ keeps jobs and their locks in plain keys, and an evicted one
 * is a run that silently never happens (or runs twice). Call it once at start-up, before queueing.
 */
export async function checkRedis(redis: Redis): Promise<void> {
  const policy = await readEvictionPolicy(redis);
  if (policy === "noeviction") return;
  throw new Error(
    `gantry: Redis has maxmemory-policy "${policy}", but BullMQ requires "noeviction": under memory pressure Redis ` +
      `would delete queued jobs. Fix it with \`redis-cli CONFIG SET maxmemory-policy noeviction\` and make it last ` +
      `with the line \`maxmemory-policy noeviction\` in redis.conf (on a managed Redis, in its parameter settings).`,
  );
}

async function readEvictionPolicy(redis: Redis): Promise<string> {
  try {
    const reply = (await redis.config("GET", "maxmemory-policy")) as unknown;
    if (Array.isArray(reply) && typeof reply[1] === "string") return reply[1];
  } catch {
    // managed Redis services often rename or disable CONFIG; INFO tells the same
  }
  const info = await redis.info("memory");
  const match = /^maxmemory_policy:(\S+)/m.exec(info);
  if (!match) {
    throw new Error(
      "gantry: cannot tell Redis's maxmemory-policy: CONFIG GET maxmemory-policy is refused and INFO memory has no " +
        "maxmemory_policy; BullMQ requires maxmemory-policy noeviction",
    );
  }
  return match[1]!;
}
