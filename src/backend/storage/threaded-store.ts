import { Worker } from "node:worker_threads";
import type { Store } from "./store.js";

type Method = keyof Store;

/** Calls made in one turn of the event loop travel together: one message each way, not one per call. */
export interface StoreCall {
  id: number;
  method: Method;
  args: unknown[];
}

export type StoreReply = { id: number; value: unknown } | { id: number; error: RemoteError };

/** What survives of an error thrown in the thread: structured cloning keeps neither its class nor `code`. */
export interface RemoteError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
}

/** The thread's first message: its connection opened (or why it could not). */
export type ThreadHello = { ready: true } | { ready: false; error: RemoteError };

const METHODS = [
  "recordDelivery",
  "hasDelivery",
  "claimDeliveries",
  "readDeliveryPayload",
  "renewDeliveryLeases",
  "finishDeliveries",
  "retryDeliveryLater",
  "countPendingDeliveries",
  "claimPush",
  "addRuns",
  "getRun",
  "runsOfDelivery",
  "findRuns",
  "runsInState",
  "updateRun",
  "claimUnsynced",
  "renewSyncLeases",
  "markSynced",
  "syncFailed",
  "acquireLock",
  "releaseLock",
  "removeOldRecords",
  "getMeta",
  "setMeta",
] as const satisfies ReadonlyArray<Exclude<Method, "close">>;
// a method added to Store and not listed here fails to compile, rather than being undefined at run time
const LISTED: Exclude<Method, "close" | (typeof METHODS)[number]> extends never ? true : never = true;
void LISTED;

/** The threads' scripts, beside this file once built (tests, which run src/, pass dist/'s). */
export const STORE_THREAD_SCRIPTS = {
  store: new URL("./sqlite-store-thread.js", import.meta.url),
  checkpoint: new URL("./wal-checkpoint-thread.js", import.meta.url),
};

/** How often the checkpoint thread copies the WAL into the database (a no-op when there is nothing new). */
export const CHECKPOINT_INTERVAL_MS = 50;

export interface ThreadedStoreOptions {
  dataDir: string;
  scripts?: { store: URL; checkpoint: URL };
}

/**
 * The SQLite store on a thread of its own, with its own connection: every insert, claim and WAL write of a
 * delivery runs beside the event loop that answers webhooks instead of on it, so the second core does the
 * store's work. A call costs a message each way (batched per turn); each is still one SQLite transaction,
 * run in the order called.
 */
export async function openThreadedStore(options: ThreadedStoreOptions): Promise<Store> {
  const scripts = options.scripts ?? STORE_THREAD_SCRIPTS;
  const worker = new Worker(scripts.store, { workerData: { dataDir: options.dataDir } });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();
  let outbox: StoreCall[] = [];
  let nextId = 0;
  let failure: Error | null = null;

  const failAll = (error: Error) => {
    failure ??= error;
    for (const { reject } of pending.values()) reject(failure);
    pending.clear();
  };
  const opened = threadStarted(worker, "store", options.dataDir);
  await opened.catch(async (error: unknown) => {
    await worker.terminate();
    throw error;
  });
  const checkpointer = await startCheckpointer(scripts.checkpoint, options.dataDir).catch(async (error: unknown) => {
    await worker.terminate();
    throw error;
  });
  worker.on("message", (replies: StoreReply[]) => {
    for (const reply of replies) {
      const call = pending.get(reply.id);
      if (!call) continue;
      pending.delete(reply.id);
      if ("error" in reply) call.reject(fromRemote(reply.error));
      else call.resolve(reply.value);
    }
  });
  worker.on("error", (error) => failAll(new Error(`gantry: the store's thread failed: ${error.message}`, { cause: error })));
  worker.on("exit", (code) => failAll(new Error(`gantry: the store's thread exited (code ${code}); the store is closed`)));

  const call = (method: Method, args: unknown[]): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (failure) return reject(failure);
      const id = nextId++;
      pending.set(id, { resolve, reject });
      // after this turn's I/O callbacks: the deliveries of every request read in one poll share a message
      if (outbox.push({ id, method, args }) === 1) {
        setImmediate(() => {
          const calls = outbox;
          outbox = [];
          worker.postMessage(calls);
        });
      }
    });

  const store = Object.fromEntries(METHODS.map((method) => [method, (...args: unknown[]) => call(method, args)])) as Omit<Store, "close">;
  return {
    ...store,
    async close() {
      await checkpointer.stop();
      if (failure) return;
      // the thread commits and syncs what it still holds before it answers
      await call("close", []);
      await worker.terminate();
    },
  };
}

/**
 * The checkpoint thread. Not essential: if it dies, the store's own connection checkpoints at its backstop
 * (see sqlite-store-thread.ts), so it is stopped but never waited on for anything else.
 */
async function startCheckpointer(script: URL, dataDir: string): Promise<{ stop(): Promise<void> }> {
  const worker = new Worker(script, { workerData: { dataDir, intervalMs: CHECKPOINT_INTERVAL_MS } });
  await threadStarted(worker, "WAL checkpoint", dataDir);
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  // an error after the start ends the thread; the store goes on without it
  worker.on("error", () => {});
  return {
    async stop() {
      worker.postMessage("stop");
      await exited;
    },
  };
}

export function toRemote(error: unknown): RemoteError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}), ...(typeof code === "string" ? { code } : {}) };
}

function fromRemote(remote: RemoteError): Error {
  const error = new Error(remote.message);
  error.name = remote.name;
  if (remote.stack) error.stack = remote.stack;
  if (remote.code !== undefined) Object.assign(error, { code: remote.code });
  return error;
}

/** A thread's first message: its connection opened, or why it could not be. */
function threadStarted(worker: Worker, name: string, dataDir: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    worker.once("message", (hello: ThreadHello) => (hello.ready ? resolve() : reject(fromRemote(hello.error))));
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`gantry: the ${name} thread exited with code ${code} while opening ${dataDir}`)));
  });
}
