import { mkdtempSync, rmSync } from "node:fs";
import { afterAll } from "vitest";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteQueue } from "../../../src/backend/queue/sqlite-queue.js";
import { openDatabase } from "../../../src/backend/open-database.js";
import { queueContract } from "./queue-contract.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const onError = (error: unknown) => {
  throw error;
};

queueContract("SqliteQueue", async (options = {}) => {
  const dir = mkdtempSync(join(tmpdir(), "gantry-queue-"));
  dirs.push(dir);
  return {
    queue: new SqliteQueue(openDatabase(dir), { consumerId: "first", onError: options.onError ?? onError }),
    reopen: async () => new SqliteQueue(openDatabase(dir), { consumerId: "second", onError }),
  };
});
