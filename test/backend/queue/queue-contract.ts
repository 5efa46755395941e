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

/** The behaviour every JobQueue must have; `open` returns a fresh queue, `reopen` a new consumer of the same jobs. */
export function queueContract(name: string, open: () => Promise<OpenedQueue>): void {
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
