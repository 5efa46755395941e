import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

/**
 * A Lua script run by SHA, falling back to EVAL once when the server does not know it (a restart or
 * SCRIPT FLUSH forgets it). Unlike `redis.defineCommand`, it leaves the caller's client untouched, so a
 * client shared with other code gains no commands.
 */
export class LuaScript {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash("sha1").update(source).digest("hex");
  }

  /** The script sees no KEYS: key names are built from the prefix in ARGV[1] (see redis-store.ts on Cluster). */
  async run(redis: Redis, args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.#sha, 0, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return redis.eval(this.#source, 0, ...args);
    }
  }
}
