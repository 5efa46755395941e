import { parentPort, workerData } from "node:worker_threads";
import { openDatabase } from "../open-database.js";
import { SqliteStore } from "./sqlite-store.js";
import { toRemote, type StoreCall, type StoreReply, type ThreadHello } from "./threaded-store.js";

// The thread openThreadedStore starts: the store's own connection, its calls answered in the order they came.
const port = parentPort!;
const { dataDir } = workerData as { dataDir: string };

/**
 * Pages of WAL past which this connection checkpoints itself after a commit. The checkpoint thread does it
 * sooner and beside the writes, but its checkpoints never quite catch up while deliveries keep coming, so
 * the WAL would never start over: this one, run between two commits, does. Default 1,000 (4 MB).
 */
const BACKSTOP_CHECKPOINT_PAGES = 10_000;

let store: SqliteStore;
try {
  const db = openDatabase(dataDir);
  db.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
  store = new SqliteStore(db);
} catch (error) {
  port.postMessage({ ready: false, error: toRemote(error) } satisfies ThreadHello);
  process.exit(1);
}
port.postMessage({ ready: true } satisfies ThreadHello);

let outbox: StoreReply[] = [];
const reply = (answer: StoreReply) => {
  // gathered for a turn: a burst's answers (a group commit's, say) go back as one message
  if (outbox.push(answer) === 1) {
    setImmediate(() => {
      const replies = outbox;
      outbox = [];
      port.postMessage(replies);
    });
  }
};

port.on("message", (calls: StoreCall[]) => {
  for (const { id, method, args } of calls) {
    const invoke = store[method] as (...args: unknown[]) => Promise<unknown>;
    invoke.apply(store, args).then(
      (value) => reply({ id, value }),
      (error: unknown) => reply({ id, error: toRemote(error) }),
    );
    // nothing is taken after close: the connection is gone
    if (method === "close") port.removeAllListeners("message");
  }
});
