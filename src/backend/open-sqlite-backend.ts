import type { Logger } from "probot";
import { SqliteQueue } from "./queue/sqlite-queue.js";
import { openDatabase, type Db } from "./open-database.js";
import { SqliteStore } from "./storage/sqlite-store.js";
import type { Backend } from "./backend.js";

/** One process, one SQLite file under the data directory: deliveries, runs and the queue in one transaction space. */
export function openSqliteBackend(dataDir: string, log: Logger, nodeId: string): Backend {
  let db: Db | undefined;
  try {
    // one file, one process: a second gantry on the same directory would hand out the same jobs twice
    db = openDatabase(dataDir, { exclusive: true });
    // leases still held were held by this process's dead predecessor
    db.exec("UPDATE runs SET sync_lease_owner = NULL, sync_lease_until = 0; DELETE FROM delivery_leases;");
  } catch (error) {
    db?.close();
    if ((error as { code?: string }).code !== "SQLITE_BUSY") throw error;
    throw new Error(
      `gantry: another gantry process is using ${dataDir}; one data directory serves one process (set GANTRY_DATA_DIR, or REDIS_URL to run many nodes)`,
    );
  }
  const store = new SqliteStore(db);
  const queue = new SqliteQueue(db, {
    consumerId: nodeId,
    onError: (error, runId) => log.error({ err: error, run: runId }, "run failed unexpectedly"),
  });
  log.info(`queue and runs in ${dataDir}/gantry.db (this process only)`);
  return {
    store,
    queue,
    async close() {
      await queue.close();
      await store.close();
    },
  };
}
