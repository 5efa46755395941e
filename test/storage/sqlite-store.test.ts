import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/storage/open-database.js";
import { SqliteStore } from "../../src/storage/sqlite-store.js";
import { storeContract } from "./store-contract.js";

storeContract("SqliteStore", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gantry-store-"));
  return { store: new SqliteStore(openDatabase(dir)), reopen: async () => new SqliteStore(openDatabase(dir)) };
});
