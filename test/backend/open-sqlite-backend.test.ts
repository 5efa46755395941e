import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openSqliteBackend } from "../../src/backend/open-sqlite-backend.js";
import { memoryLog } from "../helpers/memory-log.js";

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the SQLite backend", () => {
  it("serves one process: a second opener of the data directory is refused with a clear message", async () => {
    dir = await mkdtemp(join(tmpdir(), "gantry-lock-"));
    const first = openSqliteBackend(dir, memoryLog().log, "test-host:1");
    expect(() => openSqliteBackend(dir!, memoryLog().log, "test-host:2")).toThrow(`gantry: another gantry process is using ${dir}`);
    await first.close();
    const again = openSqliteBackend(dir, memoryLog().log, "test-host:1");
    await again.close();
  });
});
