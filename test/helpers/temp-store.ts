import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/backend/open-database.js";
import { SqliteQueue } from "../../src/backend/queue/sqlite-queue.js";
import { SqliteStore } from "../../src/backend/storage/sqlite-store.js";

/** The real SQLite store (and, on the same file, the real queue) in a fresh temp dir; `close` removes it all. */
export function openTempStore(): { store: SqliteStore; dir: string; openQueue: () => SqliteQueue; close: () => Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), "gantry-unit-"));
  const store = new SqliteStore(openDatabase(dir));
  const queues: SqliteQueue[] = [];
  return {
    store,
    dir,
    openQueue: () => {
      const queue = new SqliteQueue(openDatabase(dir), {
        consumerId: "test",
        onError: (error) => {
          throw error;
        },
      });
      queues.push(queue);
      return queue;
    },
    close: async () => {
      for (const queue of queues) await queue.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
