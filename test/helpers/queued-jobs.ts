import type { JobQueue } from "../../src/backend/queue/job-queue.js";
import { eventually } from "./eventually.js";

/**
 * Every job `queue` holds, in order: consumed (one at a time, as enqueued) up to a sentinel job enqueued last,
 * so nothing queued before it is missed. The queue is consuming afterwards.
 */
export async function queuedJobs(queue: JobQueue): Promise<string[]> {
  const seen: string[] = [];
  queue.consume(async (id) => void seen.push(id), 1);
  await queue.enqueue("end-of-queue");
  await eventually("the sentinel job", async () => seen.includes("end-of-queue"));
  return seen.filter((id) => id !== "end-of-queue");
}
