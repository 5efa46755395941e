import Bottleneck from "bottleneck";
import type { Redis } from "ioredis";

/** GitHub asks for a second between writes of an installation: all nodes together keep to it. */
const WRITE_SPACING_MS = 1_000;
/** As the throttling plugin's own groups: a limiter idle this long is dropped (from Redis too). */
const GROUP_TIMEOUT_MS = 2 * 60_000;

/**
 * Probot's throttle options for many nodes: the write limiter shared through Redis, so that all nodes together
 * respect GitHub's limits. It spaces writes but does not count them running, as the plugin's own one does
 * (one write at a time): a slot counted as running stays taken when its node dies, and the plugin lets one
 * lapse only after a minute, in which no node could write to that installation. Token requests are limited
 * per process, for the same reason: they hold their slot for a whole request.
 */
export function sharedThrottle(redis: Redis): Record<string, unknown> {
  const connection = new Bottleneck.IORedisConnection({ client: redis });
  return {
    Bottleneck,
    connection,
    write: new Bottleneck.Group({ id: "gantry-write", minTime: WRITE_SPACING_MS, timeout: GROUP_TIMEOUT_MS, connection }),
    auth: new Bottleneck.Group({ id: "gantry-auth", maxConcurrent: 1, timeout: GROUP_TIMEOUT_MS }),
  };
}
