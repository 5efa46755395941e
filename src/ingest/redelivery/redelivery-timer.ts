import type { Logger } from "probot";
import { describeGitHubError } from "../../github/describe-github-error.js";
import { settleWithin } from "../../backend/loop/settle-within.js";
import type { SweepReport } from "./sweep-deliveries.js";

export interface RedeliveryTimerOptions {
  sweep: () => Promise<SweepReport>;
  intervalMs: number;
  log: Logger;
}

export interface RedeliveryTimer {
  /** No sweep starts after this; resolves once a running sweep has finished, or after `waitMs`. */
  stop(waitMs?: number): Promise<void>;
}

/**
 * Sweeps now and then every `intervalMs` (start to start). A sweep that overruns the interval delays
 * the next one instead of overlapping it; a failed sweep is logged and the next one runs on time.
 */
export function startRedeliverySweeps(options: RedeliveryTimerOptions): RedeliveryTimer {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const run = (): void => {
    const startedAt = Date.now();
    // Wrapped so a sweep that throws instead of rejecting cannot stop the timer either.
    running = new Promise<SweepReport>((resolve) => resolve(options.sweep()))
      .then(
        () => undefined,
        (error: unknown) => options.log.error({ err: error }, `redelivery sweep failed: ${describeGitHubError(error)}`),
      )
      .finally(() => {
        running = undefined;
        if (stopped) return;
        timer = setTimeout(run, Math.max(0, startedAt + options.intervalMs - Date.now()));
        // Sweeps are housekeeping: they must not keep a process alive that is otherwise done.
        timer.unref();
      });
  };
  run();

  return {
    async stop(waitMs = Infinity) {
      stopped = true;
      clearTimeout(timer);
      // a sweep left running holds its store lock until the lease ends; the next sweep asks again
      if (running) await settleWithin([running], waitMs);
    },
  };
}
