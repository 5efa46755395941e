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

  it("frees at the start the leases the previous process held when it died, so its deliveries are not delayed", async () => {
    dir = await mkdtemp(join(tmpdir(), "gantry-leases-"));
    const first = openSqliteBackend(dir, memoryLog().log, "test-host:1");
    await first.store.recordDelivery({ id: "d1", event: "push", payload: "{}", receivedAt: 1 });
    expect((await first.store.claimDeliveries("test-host:1", Date.now(), 10, 60_000)).map((d) => d.id)).toEqual(["d1"]);
    await first.close();
    const again = openSqliteBackend(dir, memoryLog().log, "test-host:2");
    expect((await again.store.claimDeliveries("test-host:2", Date.now(), 10, 60_000)).map((d) => d.id)).toEqual(["d1"]);
    await again.close();
  });
});
