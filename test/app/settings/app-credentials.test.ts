import { spawn } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppKey } from "../../fake-github/app-key.js";

const MAIN = fileURLToPath(new URL("../../../dist/main.js", import.meta.url));
const CLI = fileURLToPath(new URL("../../../dist/cli/main.js", import.meta.url));
const { privateKey: KEY, publicKey: PUBLIC_KEY } = createAppKey();
const EC_KEY = generateKeyPairSync("ec", { namedCurve: "P-256", privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;
let cwd = "";

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), "gantry-credentials-"));
  await writeFile(join(cwd, "public.pem.txt"), PUBLIC_KEY);
  await writeFile(join(cwd, "unreadable.pem.txt"), KEY);
  await chmod(join(cwd, "unreadable.pem.txt"), 0o000);
  await mkdir(join(cwd, "a-directory"));
});
afterAll(() => rm(cwd, { recursive: true, force: true }));

/** Runs a bin to its exit; it must never get as far as listening (the port is 0, nothing would notice). */
function run(bin: "npm start" | "gantry worker", env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const args = bin === "npm start" ? [MAIN] : [CLI, "worker"];
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env["PATH"]!, HOME: cwd, HOST: "127.0.0.1", PORT: "0", GANTRY_DATA_DIR: join(cwd, "data"), REDIS_URL: "redis://127.0.0.1:6379/15", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr.on("data", (c: Buffer) => (output += c.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  return new Promise((resolve) =>
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

const cases: Array<[string, Record<string, string>, RegExp]> = [
  ["APP_ID not a number", { APP_ID: "my-app", PRIVATE_KEY: KEY }, /^gantry: APP_ID: "my-app" is not a positive whole number/],
  ["APP_ID zero", { APP_ID: "0", PRIVATE_KEY: KEY }, /^gantry: APP_ID: "0" is not a positive whole number/],
  ["APP_ID missing", { PRIVATE_KEY: KEY }, /^gantry: APP_ID is not set/],
  ["no key at all", { APP_ID: "12" }, /^gantry: PRIVATE_KEY or PRIVATE_KEY_PATH is not set/],
  ["PRIVATE_KEY not PEM", { APP_ID: "12", PRIVATE_KEY: "s3cret-not-a-key" }, /^gantry: PRIVATE_KEY is not a PEM private key/],
  [
    "PRIVATE_KEY PEM armour around garbage",
    { APP_ID: "12", PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----\nc2VjcmV0LWdhcmJhZ2U=\n-----END RSA PRIVATE KEY-----\n" },
    /^gantry: PRIVATE_KEY is not a PEM private key \(.+\)/,
  ],
  ["PRIVATE_KEY not RSA", { APP_ID: "12", PRIVATE_KEY: EC_KEY }, /^gantry: PRIVATE_KEY is a ec key, but GitHub App keys are RSA/],
  ["PRIVATE_KEY_PATH missing", { APP_ID: "12", PRIVATE_KEY_PATH: "nowhere/app.pem" }, /^gantry: PRIVATE_KEY_PATH: ".*\/nowhere\/app\.pem" does not exist/],
  ["PRIVATE_KEY_PATH a directory", { APP_ID: "12", PRIVATE_KEY_PATH: "a-directory" }, /^gantry: PRIVATE_KEY_PATH: ".*\/a-directory" is a directory/],
  ["PRIVATE_KEY_PATH a public key", { APP_ID: "12", PRIVATE_KEY_PATH: "public.pem.txt" }, /^gantry: PRIVATE_KEY_PATH: ".*\/public\.pem\.txt" is not a PEM private key/],
  ["production without any", { NODE_ENV: "production", WEBHOOK_SECRET: "s" }, /^gantry: APP_ID and PRIVATE_KEY \(or PRIVATE_KEY_PATH\) are not set/],
];
if (process.getuid?.() !== 0) {
  // root reads any file: the case only exists for other users
  cases.push(["PRIVATE_KEY_PATH unreadable", { APP_ID: "12", PRIVATE_KEY_PATH: "unreadable.pem.txt" }, /^gantry: PRIVATE_KEY_PATH: ".*" cannot be read \(permission denied\)/]);
}

describe.each([
  ["npm start", 1],
  ["gantry worker", 2],
] as const)("%s with a bad or missing app id or key", (bin, exitCode) => {
  it.each(cases)("%s: one line naming the setting", async (_name, env, line) => {
    const { code, output } = await run(bin, env);
    expect(output.trim().split("\n"), output).toHaveLength(1);
    expect(output).toMatch(line);
    expect(output).not.toMatch(/option is required|\n\s+at |s3cret|c2VjcmV0/);
    expect(code).toBe(exitCode);
  });
});
