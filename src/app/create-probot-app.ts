import { createProbot, ProbotOctokit, type Probot } from "probot";
import { createGitHubFetch } from "../github/create-github-fetch.js";

type ThrottleHandler = (retryAfter: number, options: { method: string; url: string }, octokit: unknown, retryCount: number) => boolean;

/**
 * Probot configured for gantry: its logger and app auth as usual, but a throttle that retries secondary rate
 * limits after GitHub's retry-after (Probot's own only logs and gives up) and, with `redis` (sharedThrottle's
 * options), shares its write limiter across nodes through Bottleneck on Redis.
 */
export function createProbotApp(env: NodeJS.ProcessEnv, redis?: Record<string, unknown>): Probot {
  let log: Probot["log"] | null = null;
  const retry =
    (kind: string): ThrottleHandler =>
    (retryAfter, options, _octokit, retryCount) => {
      log?.warn(`${kind} hit by ${options.method} ${options.url}; retry ${retryCount + 1} in ${retryAfter}s`);
      return retryCount < 5;
    };
  const fetch = createGitHubFetch(() => log);
  const Octokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
    ...options,
    request: { ...(options["request"] as object | undefined), fetch },
    throttle: {
      ...(options["throttle"] as object | undefined),
      onSecondaryRateLimit: retry("secondary rate limit"),
      onRateLimit: retry("rate limit"),
      ...(redis ?? {}),
    },
  }));
  // REDIS_URL is not handed to Probot: its own Redis support would download ioredis at run time
  const { REDIS_URL: _ignored, ...probotEnv } = env;
  const probot = createProbot({ env: { LOG_LEVEL: "info", ...probotEnv }, overrides: { Octokit } });
  void probot.ready().then(() => (log = probot.log));
  return probot;
}
