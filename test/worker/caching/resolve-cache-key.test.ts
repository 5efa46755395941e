import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveCacheKey } from "../../../src/worker/caching/resolve-cache-key.js";

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest();

/** GitHub's hashFiles, written out independently: sha256 over each file's sha256 digest, paths sorted. */
function githubHash(files: Record<string, string>): string {
  const result = createHash("sha256");
  for (const path of Object.keys(files).sort()) result.update(sha256(files[path]!));
  return result.digest("hex");
}

let dir: string;
let workspace: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "gantry-cache-key-"));
  workspace = join(dir, "ws");
  mkdirSync(join(workspace, "packages", "b"), { recursive: true });
  mkdirSync(join(workspace, "packages", "a"), { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("resolveCacheKey", () => {
  it("hashes the matching files as GitHub's hashFiles does, in sorted path order", async () => {
    const files = { "package-lock.json": '{"lockfileVersion":3}\n', "packages/a/package-lock.json": "a\n", "packages/b/package-lock.json": "b\n" };
    for (const [path, text] of Object.entries(files)) writeFileSync(join(workspace, path), text);
    writeFileSync(join(workspace, "packages", "a", "other.json"), "not matched");
    const resolved = await resolveCacheKey('npm-{{ os }}-{{ arch }}-{{ hashFiles "**/package-lock.json" }}', workspace);
    expect(resolved).toEqual({ ok: true, key: `npm-linux-${process.arch}-${githubHash(files)}`, skipped: [] });
    // several globs: one set of files, each once
    const both = await resolveCacheKey('{{ hashFiles "package-lock.json" "packages/*/package-lock.json" "**/package-lock.json" }}', workspace);
    expect(both).toEqual({ ok: true, key: githubHash(files), skipped: [] });
    const exclusion = await resolveCacheKey('{{ hashFiles "**/package-lock.json" "!packages/b/**" }}', workspace);
    expect(exclusion).toMatchObject({ key: githubHash({ "package-lock.json": files["package-lock.json"], "packages/a/package-lock.json": "a\n" }) });
  });

  it('is "" for hashFiles when nothing matches', async () => {
    expect(await resolveCacheKey('npm-{{ hashFiles "yarn.lock" }}', workspace)).toEqual({ ok: true, key: "npm-", skipped: [] });
  });

  it("does not hash a link to a file outside the checkout (nor one inside), and says so", async () => {
    const secret = join(dir, "secret.txt");
    writeFileSync(secret, "outside");
    writeFileSync(join(workspace, "real.lock"), "inside");
    symlinkSync(secret, join(workspace, "evil.lock"));
    symlinkSync(join(dir, "ws", "packages"), join(workspace, "linked"));
    const resolved = await resolveCacheKey('{{ hashFiles "*.lock" "linked/**" }}', workspace);
    expect(resolved).toEqual({ ok: true, key: githubHash({ "real.lock": "inside" }), skipped: ["evil.lock: a symbolic link; not followed", "linked: a symbolic link; not followed"] });
  });

  it("refuses a key too long or with a comma, and a template that does not parse", async () => {
    expect(await resolveCacheKey("x".repeat(513), workspace)).toEqual({ ok: false, problem: "the key is 513 characters long, more than 512" });
    expect(await resolveCacheKey(`${"x".repeat(460)}{{ hashFiles "**" }}`, workspace)).toEqual({ ok: true, key: "x".repeat(460), skipped: [] });
    writeFileSync(join(workspace, "f"), "1");
    expect(await resolveCacheKey(`${"x".repeat(460)}{{ hashFiles "f" }}`, workspace)).toEqual({ ok: false, problem: "the key is 524 characters long, more than 512" });
    expect(await resolveCacheKey("a,b", workspace)).toEqual({ ok: false, problem: '"a,b" has a comma at position 2' });
  });
});
