import { mkdtempSync, rmSync } from "node:fs";
import { afterAll } from "vitest";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../../src/backend/open-database.js";
import { SqliteStore } from "../../../src/backend/storage/sqlite-store.js";
import { storeContract } from "./store-contract.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

storeContract("SqliteStore", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gantry-store-"));
  dirs.push(dir);
  return { store: new SqliteStore(openDatabase(dir)), reopen: async () => new SqliteStore(openDatabase(dir)) };
});
