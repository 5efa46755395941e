import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openSqliteBackend } from "../../src/backend/open-sqlite-backend.js";
import { BUILT_STORE_SCRIPTS } from "../helpers/built-store-scripts.js";
import { memoryLog } from "../helpers/memory-log.js";

const open = (dataDir: string, nodeId: string) => openSqliteBackend(dataDir, memoryLog().log, nodeId, { storeScripts: BUILT_STORE_SCRIPTS });

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the SQLite backend", () => {
  it("serves one process: a second opener of the data directory is refused with a clear message", async () => {
    dir = await mkdtemp(join(tmpdir(), "gantry-lock-"));
    const first = await open(dir, "test-host:1");
    await expect(open(dir, "test-host:2")).rejects.toThrow(`gantry: another gantry process is using ${dir}`);
    await first.close();
    const again = await open(dir, "test-host:1");
    await again.close();
  });

  it("is refused while another process holds the directory, and opens once that process is killed", async () => {
    dir = await mkdtemp(join(tmpdir(), "gantry-lock-"));
    const lockModule = new URL("../../dist/backend/lock-data-dir.js", import.meta.url).href;
    const holder = spawn(process.execPath, ["--input-type=module", "-e", `const { lockDataDir } = await import(${JSON.stringify(lockModule)}); if (!lockDataDir(${JSON.stringify(dir)})) process.exit(2); console.log("locked"); setInterval(() => {}, 1000);`], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("locked") && resolve());
        holder.once("exit", (code) => reject(new Error(`the holder exited with ${code}`)));
      });
      await expect(open(dir, "test-host:1")).rejects.toThrow(`gantry: another gantry process is using ${dir}`);
    } finally {
      // a crash, not a stop: nothing of the holder runs to let go of the lock
      const exited = new Promise((resolve) => holder.once("exit", resolve));
      process.kill(holder.pid!, "SIGKILL");
      await exited;
    }
    const backend = await open(dir, "test-host:1");
    expect(await backend.store.recordDelivery({ id: "d1", event: "push", payload: "{}", receivedAt: 1 })).toBe(true);
    await backend.close();
  });

  it("frees at the start the leases the previous process held when it died, so its deliveries are not delayed", async () => {
    dir = await mkdtemp(join(tmpdir(), "gantry-leases-"));
    const first = await open(dir, "test-host:1");
    await first.store.recordDelivery({ id: "d1", event: "push", payload: "{}", receivedAt: 1 });
    expect((await first.store.claimDeliveries("test-host:1", Date.now(), 10, 60_000)).map((d) => d.id)).toEqual(["d1"]);
    await first.close();
    const again = await open(dir, "test-host:2");
    expect((await again.store.claimDeliveries("test-host:2", Date.now(), 10, 60_000)).map((d) => d.id)).toEqual(["d1"]);
    await again.close();
  });
});
