import type { Logger } from "probot";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startRedeliverySweeps } from "../../../src/ingest/redelivery/redelivery-timer.js";
import type { SweepReport } from "../../../src/ingest/redelivery/sweep-deliveries.js";

const REPORT: SweepReport = { scanned: 0, redelivered: [], skipped: 0, pages: 1 };

function deferred(): { promise: Promise<SweepReport>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<SweepReport>((res, rej) => {
    resolve = () => res(REPORT);
    reject = rej;
  });
  return { promise, resolve, reject };
}

function recordingLog(): { log: Logger; errors: unknown[][] } {
  const errors: unknown[][] = [];
  const log = { error: (...args: unknown[]) => errors.push(args), warn: () => undefined, info: () => undefined, debug: () => undefined };
  return { log: log as unknown as Logger, errors };
}

describe("startRedeliverySweeps", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("sweeps once at start and then every interval", async () => {
    const sweep = vi.fn(async () => REPORT);
    const timer = startRedeliverySweeps({ sweep, intervalMs: 1_000, log: recordingLog().log });
    expect(sweep).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(sweep).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sweep).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(sweep).toHaveBeenCalledTimes(5);
    await timer.stop();
  });

  it("keeps the interval from start to start when a sweep takes a while", async () => {
    const starts: number[] = [];
    const sweep = async () => {
      starts.push(Date.now());
      await new Promise((resolve) => setTimeout(resolve, 300));
      return REPORT;
    };
    const t0 = Date.now();
    const timer = startRedeliverySweeps({ sweep, intervalMs: 1_000, log: recordingLog().log });
    await vi.advanceTimersByTimeAsync(2_500);
    expect(starts.map((s) => s - t0)).toEqual([0, 1_000, 2_000]);
    await timer.stop();
  });

  it("never runs two sweeps at once: an overrunning sweep delays the next", async () => {
    const runs: Array<ReturnType<typeof deferred>> = [];
    let active = 0;
    let maxActive = 0;
    const sweep = async () => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      const run = deferred();
      runs.push(run);
      try {
        return await run.promise;
      } finally {
        active -= 1;
      }
    };
    const timer = startRedeliverySweeps({ sweep, intervalMs: 1_000, log: recordingLog().log });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(runs).toHaveLength(1);
    runs[0]!.resolve();
    // Overdue: the next one starts right away, not at the next multiple of the interval.
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toHaveLength(2);
    expect(maxActive).toBe(1);
    runs[1]!.resolve();
    await vi.advanceTimersByTimeAsync(999);
    expect(runs).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toHaveLength(3);
    runs[2]!.resolve();
    await timer.stop();
    expect(maxActive).toBe(1);
  });

  it("logs a failed sweep and keeps going", async () => {
    const failure = new Error("GitHub is down");
    const sweep = vi.fn<() => Promise<SweepReport>>().mockRejectedValueOnce(failure).mockResolvedValue(REPORT);
    const { log, errors } = recordingLog();
    const timer = startRedeliverySweeps({ sweep, intervalMs: 1_000, log });
    await vi.advanceTimersByTimeAsync(0);
    expect(errors).toEqual([[{ err: failure }, "redelivery sweep failed: GitHub is down"]]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sweep).toHaveBeenCalledTimes(2);
    expect(errors).toHaveLength(1);
    await timer.stop();
  });

  it("survives a sweep that throws instead of rejecting", async () => {
    const failure = new Error("not async");
    const sweep = vi.fn<() => Promise<SweepReport>>().mockImplementationOnce(() => {
      throw failure;
    }).mockResolvedValue(REPORT);
    const { log, errors } = recordingLog();
    const timer = startRedeliverySweeps({ sweep, intervalMs: 1_000, log });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(errors).toEqual([[{ err: failure }, "redelivery sweep failed: not async"]]);
    expect(sweep).toHaveBeenCalledTimes(2);
    await timer.stop();
  });

  it("stop() waits for the running sweep and no sweep starts afterwards", async () => {
    const run = deferred();
    const sweep = vi.fn(() => run.promise);
    const timer = startRedeliverySweeps({ sweep, intervalMs: 1_000, log: recordingLog().log });
    let stopped = false;
    const stopping = timer.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(stopped).toBe(false);
    run.resolve();
    await stopping;
    expect(stopped).toBe(true);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sweep).toHaveBeenCalledTimes(1);
    await timer.stop();
  });

  it("stop() between sweeps cancels the next one", async () => {
    const sweep = vi.fn(async () => REPORT);
    const timer = startRedeliverySweeps({ sweep, intervalMs: 1_000, log: recordingLog().log });
    await vi.advanceTimersByTimeAsync(500);
    await timer.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sweep).toHaveBeenCalledTimes(1);
  });
});
