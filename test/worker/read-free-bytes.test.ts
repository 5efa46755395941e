import { mkdtemp, rm } from "node:fs/promises";
import { statfsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readFreeBytes } from "../../src/worker/read-free-bytes.js";

const dir = await mkdtemp(join(tmpdir(), "gantry-free-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("readFreeBytes", () => {
  it("reads the free space of the file system holding a directory", async () => {
    const stats = statfsSync(dir);
    const free = await readFreeBytes(dir);
    // the same file system, give or take what other processes wrote meanwhile
    expect(Math.abs(free - stats.bavail * stats.bsize)).toBeLessThan(1024 ** 3);
    expect(free).toBeGreaterThan(0);
  });

  it("asks the nearest existing parent of a data directory not made yet (a Redis worker before its first run)", async () => {
    const missing = join(dir, "not", "made", "yet");
    const free = await readFreeBytes(missing);
    expect(Math.abs(free - (await readFreeBytes(dir)))).toBeLessThan(1024 ** 3);
  });
});
