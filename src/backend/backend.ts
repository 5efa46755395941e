import type { JobQueue } from "./queue/job-queue.js";
import type { Store } from "./storage/store.js";

/** Where gantry keeps its state and its queue: the embedded SQLite file, or Redis shared by many nodes. */
export interface Backend {
  store: Store;
  queue: JobQueue;
  close(): Promise<void>;
}

/**
 * The one close order: the queue stops handing out jobs before the store goes, and what both stood on (a
 * connection, a lock) goes last.
 */
export function backendOf(store: Store, queue: JobQueue, release: () => Promise<void> | void): Backend {
  return {
    store,
    queue,
    async close() {
      await queue.close();
      await store.close();
      await release();
    },
  };
}
