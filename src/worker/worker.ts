import type { WorkerDeps } from "./worker-deps.js";
import { runPipeline } from "./run-pipeline.js";

/**
 * Takes runs from the queue, `concurrency` at a time. Stopping takes no new run, lets running ones finish for
 * `graceMs`, then interrupts the rest, which go back to the queue for this or another worker.
 */
export class Worker {
  #state: { deps: WorkerDeps; shutdown: AbortController; started: boolean };

  constructor(deps: WorkerDeps) {
    this.#state = { deps, shutdown: new AbortController(), started: false };
  }

  start(concurrency: number): void {
    if (concurrency <= 0) return;
    this.#state.started = true;
    this.#state.deps.queue.consume((runId) => runPipeline(this.#state.deps, runId, this.#state.shutdown.signal), concurrency);
  }

  async stop(graceMs: number): Promise<void> {
    if (!this.#state.started) return;
    const timer = setTimeout(() => this.#state.shutdown.abort(), graceMs);
    await this.#state.deps.queue.stop();
    clearTimeout(timer);
  }
}
