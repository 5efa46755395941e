import type { Logger } from "probot";
import type { GitHubApp } from "../github/github-app.js";
import type { JobQueue } from "../backend/queue/job-queue.js";
import type { Store } from "../backend/storage/store.js";
import type { PushContext } from "./run-types.js";

/** What the run path needs: durable state, the queue, GitHub, a logger, and a way to wake the check-run syncer. */
export interface RunDeps {
  store: Store;
  queue: JobQueue;
  github: GitHubApp;
  log: Logger;
  /** New or changed runs are waiting to be shown on GitHub. */
  wakeSyncer: () => void;
  /** This process (currentNodeId): the owner of its leases, recorded on the runs it takes. */
  nodeId: string;
  /**
   * Starts fetching a push's commit for its runs while the push is planned (not awaited): set only where the
   * runs will be checked out on this node (one node with its own workers).
   */
  prefetch?: (push: PushContext) => void;
}
