import type { Logger } from "probot";
import { describeGitHubError } from "./describe-github-error.js";

/** While GitHub stays unreachable, a reminder at most this often; every failed attempt is logged at debug. */
const REMIND_MS = 60_000;

/**
 * The fetch under every Octokit request of gantry's. Octokit retries a request that got no answer (after 1, 4
 * and 9 s, and the installation token's request within each attempt again), so the caller learns of an outage
 * minutes later: this says what failed at `warn` on the first failed attempt, again at most once a minute while
 * GitHub stays unreachable, and at `info` once it answers again.
 */
export function createGitHubFetch(log: () => Logger | null): typeof fetch {
  let down: { warnedAt: number; failures: number } | null = null;
  return async (input, init) => {
    try {
      const response = await fetch(input, init);
      if (down) log()?.info(`GitHub answers again (${down.failures} request(s) had failed)`);
      down = null;
      return response;
    } catch (error) {
      // an abort is the caller's own decision, not an outage
      if ((error as Error).name === "AbortError") throw error;
      const line = describeGitHubError(error, { method: init?.method ?? "GET", url: input instanceof Request ? input.url : String(input) });
      const now = Date.now();
      if (down === null || now - down.warnedAt >= REMIND_MS) {
        log()?.warn(down === null ? line : `${line}; still unreachable (${down.failures} request(s) failed so far)`);
        down = { warnedAt: now, failures: (down?.failures ?? 0) + 1 };
      } else {
        down.failures += 1;
        log()?.debug(line);
      }
      throw error;
    }
  };
}
