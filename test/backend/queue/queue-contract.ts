import { describe, expect, it } from "vitest";
import type { JobQueue } from "../../../src/backend/queue/job-queue.js";

const until = async (predicate: () => boolean, timeoutMs = 5_000) => {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
};

export interface OpenedQueue {
  queue: JobQueue;
  /** A new consumer of the same jobs. */
  reopen: () => Promise<JobQueue>;
  /**
   * Makes `queue`'s consumer look dead to the others, as a killed process would (BullMQ: its locks stop being
   * renewed). Absent when a never-finishing consumer already looks dead (SQLite: a new consumer takes over).
   */
  kill?: (queue: JobQueue) => Promise<void>;
}

/** Where the queue reports a processor that threw; the contract's default throws, so no error goes unseen. */
export type OnError = (error: unknown, runId: string) => void;

/**
 * The behaviour every JobQueue must have; `open` returns a fresh queue (reporting to `onError` when given),
 * `reopen` a new consumer of the same jobs.
 */
export function queueContract(name: string, open: (options?: { onError?: OnError }) => Promise<OpenedQueue>): void {
  describe(`JobQueue contract: ${name}`, () => {
    it("processes each waiting job once, in order, even when enqueued twice", async () => {
      const { queue } = await open();
      const seen: string[] = [];
      for (const id of ["a", "b", "c", "a"]) await queue.enqueue(id);
      queue.consume(async (id) => void seen.push(id), 1);
      await until(() => seen.length >= 3);
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).toEqual(["a", "b", "c"]);
      await queue.stop();
    });

    it("never runs more than `concurrency` jobs at once", async () => {
      const { queue } = await open();
      let running = 0;
      let peak = 0;
      let done = 0;
      queue.consume(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 20));
        running--;
        done++;
      }, 3);
      for (let i = 0; i < 20; i++) await queue.enqueue(`job-${i}`);
      await until(() => done === 20);
      expect(peak).toBe(3);
      await queue.stop();
    });

    it("hands a job whose consumer died to the next consumer", async () => {
      const { queue, reopen, kill } = await open();
      let release: () => void = () => {};
      const started: string[] = [];
      queue.consume((id) => {
        started.push(id);
        return new Promise<void>((resolve) => (release = resolve));
      }, 1);
      await queue.enqueue("survivor");
      await until(() => started.length === 1);
      // the first consumer never finishes: as if its process was killed
      await kill?.(queue);
      const second = await reopen();
      const seen: string[] = [];
      second.consume(async (id) => void seen.push(id), 1);
      await until(() => seen.length === 1);
      expect(seen).toEqual(["survivor"]);
      await second.stop();
      release();
      await queue.stop();
    });

    it("holds a delayed job back until its time", async () => {
      const { queue } = await open();
      const seen: Array<[string, number]> = [];
      const start = Date.now();
      await queue.enqueue("later", { delayMs: 700 });
      await queue.enqueue("now");
      queue.consume(async (id) => void seen.push([id, Date.now() - start]), 2);
      await until(() => seen.length === 2);
      expect(seen.map(([id]) => id)).toEqual(["now", "later"]);
      expect(seen[1]![1]).toBeGreaterThanOrEqual(650);
      await queue.stop();
      await queue.close();
    });

    it("reports a throwing processor to onError and does not retry the job", async () => {
      const errors: Array<[string, string]> = [];
      const { queue } = await open({ onError: (error, runId) => errors.push([runId, (error as Error).message]) });
      const seen: string[] = [];
      queue.consume(async (id) => {
        seen.push(id);
        if (id === "bad") throw new Error("boom");
      }, 1);
      await queue.enqueue("bad");
      await queue.enqueue("good");
      await until(() => seen.length === 2);
      // longer than a poll and a BullMQ lock: a retried job would be back by now
      await new Promise((r) => setTimeout(r, 1_500));
      expect(seen).toEqual(["bad", "good"]);
      expect(errors).toEqual([["bad", "boom"]]);
      // the job is gone, not parked: enqueued again, it runs again
      await queue.enqueue("bad");
      await until(() => seen.length === 3);
      expect(errors).toEqual([["bad", "boom"], ["bad", "boom"]]);
      await queue.stop();
    });

    it("puts a job back when the processor asks to retry it later: under the same id, not before the delay", async () => {
      const { queue } = await open();
      const seen: Array<[string, number]> = [];
      const start = Date.now();
      queue.consume(async (id) => {
        seen.push([id, Date.now() - start]);
        return seen.length === 1 ? { retryInMs: 800 } : undefined;
      }, 1);
      await queue.enqueue("busy");
      await until(() => seen.length === 1);
      // while it waits to be retried, the job still exists: enqueueing it again neither duplicates nor hurries it
      await queue.enqueue("busy");
      await until(() => seen.length === 2);
      await new Promise((r) => setTimeout(r, 500));
      expect(seen.map(([id]) => id)).toEqual(["busy", "busy"]);
      expect(seen[1]![1] - seen[0]![1]).toBeGreaterThanOrEqual(750);
      await queue.stop();
    });

    it("stop() waits for the jobs in hand and takes no more", async () => {
      const { queue } = await open();
      let finished = 0;
      const seen: string[] = [];
      queue.consume(async (id) => {
        seen.push(id);
        await new Promise((r) => setTimeout(r, 100));
        finished++;
      }, 1);
      await queue.enqueue("one");
      await until(() => seen.length === 1);
      await queue.enqueue("two");
      await queue.stop();
      expect(finished).toBe(1);
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).toEqual(["one"]);
    });
  });
}
