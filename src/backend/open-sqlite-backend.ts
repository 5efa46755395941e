import type { Logger } from "probot";
import { SqliteQueue } from "./queue/sqlite-queue.js";
import { lockDataDir } from "./lock-data-dir.js";
import { openDatabase, type Db } from "./open-database.js";
import { openThreadedStore, type ThreadedStoreOptions } from "./storage/threaded-store.js";
import { backendOf, type Backend } from "./backend.js";

export interface SqliteBackendOptions {
  /** The store's threads' scripts; tests, which run src/, pass the built ones. */
  storeScripts?: ThreadedStoreOptions["scripts"];
}

/**
 * One process, one SQLite file under the data directory: deliveries and runs on the store's thread, the queue
 * on this one, each with its own connection to the same file.
 */
export async function openSqliteBackend(dataDir: string, log: Logger, nodeId: string, options: SqliteBackendOptions = {}): Promise<Backend> {
  const lock = lockDataDir(dataDir);
  if (lock === null) {
    throw new Error(
      `gantry: another gantry process is using ${dataDir}; one data directory serves one process (set GANTRY_DATA_DIR, or REDIS_URL to run many nodes)`,
    );
  }
  let db: Db | undefined;
  try {
    db = openDatabase(dataDir);
    // leases still held were held by this process's dead predecessor
    db.exec("UPDATE runs SET sync_lease_owner = NULL, sync_lease_until = 0; DELETE FROM delivery_leases;");
    // the store's thread checkpoints the WAL, off this event loop: this connection writes only the jobs
    db.pragma("wal_autocheckpoint = 0");
    const store = await openThreadedStore({ dataDir, ...(options.storeScripts ? { scripts: options.storeScripts } : {}) });
    const queue = new SqliteQueue(db, {
      consumerId: nodeId,
      onError: (error, runId) => log.error({ err: error, run: runId }, "run failed unexpectedly"),
    });
    log.info(`queue and runs in ${dataDir}/gantry.db (this process only)`);
    const queueDb = db;
    return backendOf(store, queue, () => {
      queueDb.close();
      lock.release();
    });
  } catch (error) {
    db?.close();
    lock.release();
    throw error;
  }
}
