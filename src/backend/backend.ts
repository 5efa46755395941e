import type { JobQueue } from "./queue/job-queue.js";
import type { Store } from "./storage/store.js";

/** Where gantry keeps its state and its queue: the embedded SQLite file, or Redis shared by many nodes. */
export interface Backend {
  store: Store;
  queue: JobQueue;
  close(): Promise<void>;
}
