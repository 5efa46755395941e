import { DelayedError, Queue, Worker, type Job } from "bullmq";
import type { RedisOptions } from "ioredis";
import type { JobQueue, ProcessJob } from "./job-queue.js";

export interface BullmqQueueOptions {
  /**
   * Where Redis is (redisOptionsFromUrl turns a URL into these). BullMQ opens its own connections from them:
   * one for enqueueing, two more once consume() starts; close() closes them all.
   */
  connection: RedisOptions;
  /** BullMQ's queue name; every node that shares runs uses the same one. */
  queueName: string;
  /** Put before BullMQ's keys (`<prefix>:<queueName>:…`); default "gantry". */
  prefix?: string;
  /** Shown as the worker name on the jobs this consumer takes, e.g. `host:pid`. */
  consumerId?: string;
  /** A job's processor threw; the job is dropped, not retried (the processor reports its own failures). */
  onError: (error: unknown, runId: string) => void;
  /** Redis trouble of the queue or the worker (lost connection, a lock that could not be renewed); BullMQ retries. */
  onConnectionError: (error: Error) => void;
  /**
   * How long a consumer's claim on a job lasts without renewal; it is renewed every half of it while the consumer
   * lives. It also sets how often consumers look for jobs whose consumer died (STALLED_CHECKS_PER_LOCK times per
   * lock duration), so a dead consumer's job is handed out again between 1/2 and 1 + 1/STALLED_CHECKS_PER_LOCK
   * lock durations after the death: see takeoverBoundMs.
   */
  lockDurationMs: number;
}

/**
 * BullMQ's stalled-job check moves a job whose lock is gone only if the previous check had already seen it
 * active (renewals take it off that list): with a check every lock/4, the check that finds the lock expired is
 * at most lock/4 after the expiry and the one before it came after the dead consumer's last renewal. A check
 * is one short Lua script per interval for all consumers together (a key makes the others skip it).
 */
const STALLED_CHECKS_PER_LOCK = 4;

/** The longest a job whose consumer died waits before another consumer is handed it. */
export function takeoverBoundMs(lockDurationMs: number): number {
  return lockDurationMs + stalledIntervalMs(lockDurationMs);
}

function stalledIntervalMs(lockDurationMs: number): number {
  return Math.max(1, Math.round(lockDurationMs / STALLED_CHECKS_PER_LOCK));
}

// The run logic fails a run that died with its worker twice; to do so it must be handed the job once more
// after the second death. With BullMQ's default of 1 BullMQ would drop the job at the second death itself,
// leaving the run "running" for good.
const MAX_STALLED_COUNT = 2;

/** The multi-node queue: BullMQ on Redis; any node's consumer takes any run, and a dead consumer's runs move on. */
export class BullmqQueue implements JobQueue {
  readonly #options: BullmqQueueOptions;
  readonly #prefix: string;
  readonly #queue: Queue;
  #worker: Worker | null = null;

  constructor(options: BullmqQueueOptions) {
    const { queueName, prefix = "gantry", lockDurationMs } = options;
    if (queueName === "" || queueName.includes(":")) {
      throw new Error(`gantry: BullmqQueue option queueName must be non-empty and without ":", got ${JSON.stringify(queueName)}`);
    }
    if (prefix === "") throw new Error(`gantry: BullmqQueue option prefix must be non-empty, got ""`);
    if (!(Number.isInteger(lockDurationMs) && lockDurationMs > 0)) {
      throw new Error(`gantry: BullmqQueue option lockDurationMs must be a whole number of milliseconds > 0, got ${lockDurationMs}`);
    }
    this.#options = options;
    this.#prefix = prefix;
    this.#queue = new Queue(queueName, { connection: { ...options.connection }, prefix });
    this.#queue.on("error", options.onConnectionError);
  }

  async enqueue(runId: string, options: { delayMs?: number } = {}): Promise<void> {
    checkJobId(runId);
    const delayMs = options.delayMs ?? 0;
    if (!Number.isFinite(delayMs) || delayMs < 0) {
      throw new Error(`gantry: enqueue option delayMs must be a number of milliseconds ≥ 0, got ${delayMs}`);
    }
    // the run id as job id: BullMQ ignores an add whose job exists (waiting, delayed or running)
    await this.#queue.add(
      "run",
      {},
      { jobId: runId, delay: Math.ceil(delayMs), attempts: 1, removeOnComplete: true, removeOnFail: true },
    );
  }

  consume(process: ProcessJob, concurrency: number): void {
    if (this.#worker) throw new Error("gantry: BullmqQueue.consume() was called twice; one BullmqQueue feeds one consumer");
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new Error(`gantry: consume concurrency must be a whole number ≥ 1, got ${concurrency}`);
    }
    const { queueName, connection, consumerId, lockDurationMs, onError, onConnectionError } = this.#options;
    // jobs whose failure onError has heard of (it threw while being told), so the "failed" event does not repeat it
    const reported = new Set<string>();
    const processor = async (job: Job, token?: string): Promise<void> => {
      const runId = job.id!;
      let outcome: Awaited<ReturnType<ProcessJob>>;
      try {
        outcome = await process(runId);
      } catch (error) {
        reported.add(runId);
        onError(error, runId);
        reported.delete(runId);
        return;
      }
      if (outcome) {
        // back under the same id, to BullMQ's delayed set; DelayedError tells the worker the job is not done
        await job.moveToDelayed(Date.now() + Math.max(0, Math.ceil(outcome.retryInMs)), token);
        throw new DelayedError();
      }
    };
    const worker = new Worker(queueName, processor, {
      // blocking commands must wait as long as they need, not fail after some retries
      connection: { ...connection, maxRetriesPerRequest: null },
      prefix: this.#prefix,
      concurrency,
      maxStalledCount: MAX_STALLED_COUNT,
      ...(consumerId === undefined ? {} : { name: consumerId }),
      lockDuration: lockDurationMs,
      stalledInterval: stalledIntervalMs(lockDurationMs),
    });
    worker.on("error", onConnectionError);
    // the processor reports its runs' failures itself, so a failure here is BullMQ's: it gave up on a job that
    // stalled too often, or could not put a job back (its lock was lost to another consumer)
    worker.on("failed", (job, error) => {
      if (!job?.id || reported.delete(job.id)) return;
      onError(new Error(`gantry: the queue dropped run ${job.id}: ${error.message}`, { cause: error }), job.id);
    });
    this.#worker = worker;
  }

  /** Takes no more jobs and waits for the ones in hand to finish. */
  async stop(): Promise<void> {
    await this.#worker?.close();
  }

  /**
   * Drops the consumer at once, as a killed process would: the jobs in hand stay claimed until their lock
   * lapses (lockDurationMs), then another consumer takes them. For a shutdown that cannot wait, and for tests.
   */
  async abandon(): Promise<void> {
    await this.#worker?.close(true);
  }

  /** Closes every connection this queue opened; waits for jobs in hand unless abandon() came first. */
  async close(): Promise<void> {
    await this.#worker?.close();
    await this.#queue.close();
  }
}

/** BullMQ's own rules for custom job ids; run ids are UUIDs, so this only trips on a caller's mistake. */
function checkJobId(runId: string): void {
  if (runId === "" || runId.includes(":") || `${Number.parseInt(runId, 10)}` === runId) {
    throw new Error(`gantry: run id ${JSON.stringify(runId)} cannot be a BullMQ job id: it must be non-empty, without ":" and not an integer`);
  }
}
