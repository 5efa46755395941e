/** Doubling delays never grow past this: a publisher that waits longer might as well give up. */
const MAX_DELAY_MS = 60_000;

/**
 * The wait after failed attempt `attempt` (1-based): `baseMs`, then twice as long each time, half of it
 * random ("equal jitter"), so that many senders retrying at once spread out instead of arriving together.
 */
export function backoffDelay(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const full = Math.min(MAX_DELAY_MS, baseMs * 2 ** (attempt - 1));
  return Math.round(full / 2 + (random() * full) / 2);
}
