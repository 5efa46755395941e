import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readSecretFilePaths } from "../../../src/worker/secrets/read-secret-file-paths.js";

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gantry-secret-paths-"));
  path = join(dir, "secrets.yml");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("readSecretFilePaths", () => {
  it("lists the files the secrets file reads as it is now, none without a file, the last valid ones while it is broken", async () => {
    expect(await readSecretFilePaths(path)).toEqual([]);
    await writeFile(path, "repositories:\n  acme/*:\n    secrets: { A: { file: /srv/keys/a }, B: { env: GANTRY_B } }\n");
    expect(await readSecretFilePaths(path)).toEqual(["/srv/keys/a"]);
    await writeFile(path, "environments:\n  p:\n    repositories: [acme/web]\n    secrets: { C: { file: /srv/keys/c } }\n");
    expect(await readSecretFilePaths(path)).toEqual(["/srv/keys/c"]);
    await writeFile(path, "environments: [broken\n");
    expect(await readSecretFilePaths(path)).toEqual(["/srv/keys/c"]);
  });
});
