/**
 * Handles one queued run to its end; it must not throw for ordinary failures (it reports them instead).
 * Returning `retryInMs` puts the job back, to be handed out again after that delay (a busy concurrency
 * group, or a shutdown that interrupted the run).
 */
export type ProcessJob = (runId: string) => Promise<void | { retryInMs: number }>;

/**
 * Where queued runs wait for a worker. Every implementation passes test/backend/queue/queue-contract.ts:
 * a job enqueued once is processed once, at most `concurrency` at a time per consumer,
 * and a job whose consumer died is processed again.
 */
export interface JobQueue {
  /** Adding a run that is already waiting does nothing; `delayMs` holds it back that long. */
  enqueue(runId: string, options?: { delayMs?: number }): Promise<void>;
  /** Starts handing jobs to `process`; returns at once. */
  consume(process: ProcessJob, concurrency: number): void;
  /** Stops taking jobs and waits for the ones in hand. */
  stop(): Promise<void>;
  /** Closes connections; after stop(). */
  close(): Promise<void>;
}
