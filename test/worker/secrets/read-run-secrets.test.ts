import { chmod, mkdtemp, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readRunSecrets } from "../../../src/worker/secrets/read-run-secrets.js";

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gantry-secrets-"));
  path = join(dir, "secrets.yml");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const request = (names: string[], overrides: { ref?: string; environment?: string | null } = {}) => ({
  repository: "acme/web",
  ref: overrides.ref ?? "refs/heads/main",
  environment: overrides.environment === undefined ? "production" : overrides.environment,
  names,
});

async function writeSecrets(lines: string[]): Promise<void> {
  await writeFile(path, `${lines.join("\n")}\n`, { mode: 0o600 });
}

function production(secrets: string[]): string[] {
  return ["environments:", "  production:", '    repositories: ["acme/*"]', '    branches: ["main"]', "    secrets:", ...secrets.map((line) => `      ${line}`)];
}

describe("readRunSecrets", () => {
  it("resolves a literal, a file's content (one trailing newline removed) and a variable of gantry's environment", async () => {
    const keyFile = join(dir, "deploy_key");
    await writeFile(keyFile, "-----KEY-----\nline two\n\n");
    await writeSecrets(production(['LITERAL: "literal-value"', `SSH_KEY: { file: ${keyFile} }`, "NPM_TOKEN: { env: GANTRY_SECRET_NPM }"]));
    const result = await readRunSecrets(path, request(["LITERAL", "SSH_KEY", "NPM_TOKEN"]), { GANTRY_SECRET_NPM: "npm-value" });
    expect(result).toEqual({ ok: true, values: { LITERAL: "literal-value", SSH_KEY: "-----KEY-----\nline two\n", NPM_TOKEN: "npm-value" } });
  });

  it("sees an edit at the next call: a same-size rewrite, and a file renamed over it with the old size and time", async () => {
    await writeSecrets(production(['TOKEN: "first-value"']));
    expect(await readRunSecrets(path, request(["TOKEN"]), {})).toEqual({ ok: true, values: { TOKEN: "first-value" } });
    await writeSecrets(production(['TOKEN: "other-value"']));
    expect(await readRunSecrets(path, request(["TOKEN"]), {})).toEqual({ ok: true, values: { TOKEN: "other-value" } });
    // an editor that writes a new file and renames it over the old one keeps size and time but not the inode
    const replacement = join(dir, "new.yml");
    await writeFile(replacement, `${production(['TOKEN: "third-value"']).join("\n")}\n`);
    const before = await stat(path);
    await utimes(replacement, before.atime, before.mtime);
    await rename(replacement, path);
    expect(await readRunSecrets(path, request(["TOKEN"]), {})).toEqual({ ok: true, values: { TOKEN: "third-value" } });
  });

  it("sees an in-place rewrite that puts back the size and the modification time", async () => {
    await writeSecrets(production(['TOKEN: "first-value"']));
    const before = await stat(path);
    expect(await readRunSecrets(path, request(["TOKEN"]), {})).toEqual({ ok: true, values: { TOKEN: "first-value" } });
    await writeFile(path, `${production(['TOKEN: "other-value"']).join("\n")}\n`);
    await utimes(path, before.atimeMs / 1000, before.mtimeMs / 1000);
    expect(await readRunSecrets(path, request(["TOKEN"]), {})).toEqual({ ok: true, values: { TOKEN: "other-value" } });
  });

  it("refuses with the first error's position when the file became invalid, never showing the value", async () => {
    await writeSecrets(production(['TOKEN: "ok-value"', 'SHORT: "zq"']));
    const result = await readRunSecrets(path, request(["TOKEN"]), {});
    expect(result).toEqual({
      ok: false,
      reason: `the secrets file is invalid: \`${path}:7:14: environments.production.secrets.SHORT: is shorter than 4 characters (not counting spaces at its ends); masking a value that short would hide ordinary text all over the logs\``,
    });
    expect(JSON.stringify(result)).not.toContain("zq");
  });

  it("refuses a push the scope does not accept", async () => {
    await writeSecrets(production(['TOKEN: "ok-value"']));
    expect(await readRunSecrets(path, request(["TOKEN"], { ref: "refs/heads/feature/x" }), {})).toEqual({
      ok: false,
      reason: "secret `TOKEN`: environment `production` accepts pushes to `main`; this push is to `feature/x`",
    });
  });

  it("refuses a short value from the environment or a file without showing it, naming the source", async () => {
    const shortFile = join(dir, "short");
    await writeFile(shortFile, "xy\n");
    await writeSecrets(production(["FROM_ENV: { env: GANTRY_SECRET_SHORT }", `FROM_FILE: { file: ${shortFile} }`]));
    const fromEnv = await readRunSecrets(path, request(["FROM_ENV"]), { GANTRY_SECRET_SHORT: "k9w" });
    expect(fromEnv).toEqual({
      ok: false,
      reason: "secret `FROM_ENV`: variable `GANTRY_SECRET_SHORT` of gantry's environment holds a value shorter than 4 characters, which cannot be masked in logs",
    });
    expect(JSON.stringify(fromEnv)).not.toContain("k9w");
    expect(await readRunSecrets(path, request(["FROM_FILE"]), {})).toEqual({
      ok: false,
      reason: `secret \`FROM_FILE\`: file \`${shortFile}\` holds a value shorter than 4 characters, which cannot be masked in logs`,
    });
  });

  it("refuses an unset variable and an unreadable file, naming them", async () => {
    const missing = join(dir, "missing_key");
    await writeSecrets(production(["FROM_ENV: { env: GANTRY_SECRET_UNSET }", `FROM_FILE: { file: ${missing} }`]));
    expect(await readRunSecrets(path, request(["FROM_ENV"]), {})).toEqual({
      ok: false,
      reason: "secret `FROM_ENV`: variable `GANTRY_SECRET_UNSET` of gantry's environment is not set",
    });
    expect(await readRunSecrets(path, request(["FROM_FILE"]), {})).toEqual({
      ok: false,
      reason: `secret \`FROM_FILE\`: file \`${missing}\` cannot be read (ENOENT)`,
    });
  });

  it("refuses when there is no secrets file, and needs none when no secret is named", async () => {
    expect(await readRunSecrets(path, request(["TOKEN"]), {})).toEqual({ ok: false, reason: `no secrets file at \`${path}\`` });
    expect(await readRunSecrets(path, request([]), {})).toEqual({ ok: true, values: {} });
    // not even read: a file gantry may not open is no obstacle to a pipeline without secrets
    await writeSecrets(["not: [valid"]);
    await chmod(path, 0o000);
    expect(await readRunSecrets(path, request([]), {})).toEqual({ ok: true, values: {} });
  });
});
