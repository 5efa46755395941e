import { parentPort, workerData } from "node:worker_threads";
import { openDatabase } from "../open-database.js";
import type { ThreadHello } from "./threaded-store.js";

// The thread openThreadedStore starts beside the store's: it copies the WAL into the database while the store
// goes on writing, so a delivery never waits behind a checkpoint (4 MB copied and the file fsynced, every
// ~500 deliveries when the writer checkpoints itself).
const port = parentPort!;
const { dataDir, intervalMs } = workerData as { dataDir: string; intervalMs: number };

const db = openDatabase(dataDir);
// PASSIVE: never waits for, nor blocks, the store's writes or anyone's reads
const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
const timer = setInterval(() => checkpoint.run(), intervalMs);
port.once("message", () => {
  clearInterval(timer);
  db.close();
  port.close();
});
port.postMessage({ ready: true } satisfies ThreadHello);
