// Tests run src/, and a worker thread runs only JavaScript: the store's threads as built (npm test builds first).
export const BUILT_STORE_SCRIPTS = {
  store: new URL("../../dist/backend/storage/sqlite-store-thread.js", import.meta.url),
  checkpoint: new URL("../../dist/backend/storage/wal-checkpoint-thread.js", import.meta.url),
};
