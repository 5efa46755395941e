/** Handles one queued run to its end; it must not throw for ordinary failures (it reports them instead). */
export type ProcessJob = (runId: string) => Promise<void>;

/**
 * Where queued runs wait for a worker. Every implementation passes test/queue/queue-contract.ts:
 * a job enqueued once is processed once, at most `concurrency` at a time per consumer,
 * and a job whose consumer died is processed again.
 */
export interface JobQueue {
  /** Adding a run that is already waiting does nothing. */
  enqueue(runId: string): Promise<void>;
  /** Starts handing jobs to `process`; returns at once. */
  consume(process: ProcessJob, concurrency: number): void;
  /** Stops taking jobs and waits for the ones in hand. */
  stop(): Promise<void>;
}
