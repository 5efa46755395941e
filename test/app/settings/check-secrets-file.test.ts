import { chown, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkSecretsFile } from "../../../src/app/settings/check-secrets-file.js";
import { SettingsError } from "../../../src/app/settings/settings-error.js";

let dir: string;
let path: string;
let warnings: string[];
const log = { warn: (msg: string) => warnings.push(msg) };
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gantry-check-secrets-"));
  path = join(dir, "secrets.yml");
  warnings = [];
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const VALID = "repositories:\n  acme/*:\n    secrets:\n      TOKEN: \"token-value\"\n";

describe("checkSecretsFile", () => {
  it("says nothing about a file only gantry's user may read, and returns what it read", async () => {
    await writeFile(path, VALID, { mode: 0o600 });
    expect(await checkSecretsFile(path, log)).toEqual({ environments: {}, repositories: { "acme/*": { secrets: { TOKEN: { value: "token-value" } } } } });
    expect(warnings).toEqual([]);
  });

  it("warns about sources that cannot give a value now, naming them but no value", async () => {
    const keyFile = join(dir, "deploy_key");
    await writeFile(keyFile, "key-content");
    const text = [
      "environments:",
      "  production:",
      "    repositories: [acme/web]",
      `    secrets: { SET: { env: GANTRY_SECRET_SET }, UNSET: { env: GANTRY_SECRET_UNSET }, KEY: { file: ${keyFile} } }`,
      "repositories:",
      "  acme/*:",
      `    secrets: { GONE: { file: ${join(dir, "gone")} } }`,
    ].join("\n");
    await writeFile(path, `${text}\n`, { mode: 0o600 });
    await checkSecretsFile(path, log, { GANTRY_SECRET_SET: "set-value" });
    expect(warnings).toEqual([
      `the secrets file ${path}: UNSET (environment production) comes from the variable GANTRY_SECRET_UNSET, which is not set; runs that need it will fail until it is`,
      `the secrets file ${path}: GONE (repositories acme/*) comes from the file ${join(dir, "gone")}, which cannot be read; runs that need it will fail until it is`,
    ]);
  });

  it("warns about a file other users may read, naming the path and the fix", async () => {
    await writeFile(path, VALID, { mode: 0o644 });
    await checkSecretsFile(path, log);
    expect(warnings).toEqual([`the secrets file ${path} is readable by other users than gantry's (mode 644, owner uid ${process.getuid!()}); run: chmod 600 ${path}`]);
    expect(warnings.join("\n")).not.toContain("token-value");
  });

  it.skipIf(process.getuid?.() !== 0)("warns about a file owned by another user, even with mode 600", async () => {
    await writeFile(path, VALID, { mode: 0o600 });
    await chown(path, 4321, 4321);
    await checkSecretsFile(path, log);
    expect(warnings).toEqual([`the secrets file ${path} is readable by other users than gantry's (mode 600, owner uid 4321); run: chown 0 ${path} && chmod 600 ${path}`]);
  });

  it("accepts a missing file silently: no pipeline gets secrets", async () => {
    expect(await checkSecretsFile(path, log)).toBeNull();
    expect(warnings).toEqual([]);
  });

  it("refuses a malformed file with every error's line and column, and no value", async () => {
    await writeFile(path, "environments:\n  production:\n    branches: [main]\n    secrets:\n      TOKEN: \"q7x\"\n", { mode: 0o600 });
    const error = await checkSecretsFile(path, log).then(() => null, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as Error).message).toBe(
      [
        `GANTRY_SECRETS_FILE: ${path} is not a valid secrets file:`,
        `${path}:3:5: environments.production: missing required option "repositories"`,
        `${path}:5:14: environments.production.secrets.TOKEN: is shorter than 4 characters (not counting spaces at its ends); masking a value that short would hide ordinary text all over the logs`,
      ].join("\n"),
    );
    expect((error as Error).message).not.toContain("q7x");
  });

  it("refuses a path that cannot be read as a file", async () => {
    await mkdir(path);
    await expect(checkSecretsFile(path, log)).rejects.toThrow(new SettingsError(`GANTRY_SECRETS_FILE: ${path} cannot be read (EISDIR)`));
  });
});
