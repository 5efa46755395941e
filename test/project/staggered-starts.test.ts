import { spawn, type ChildProcess } from "node:child_process";
import { appendFile, cp, mkdir, mkdtemp, realpath, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, expect, it } from "vitest";
import { createAppKey } from "../fake-github/app-key.js";
import { startFakeGitHub, type FakeGitHub } from "../fake-github/fake-github.js";
import { eventually } from "../helpers/eventually.js";
import { appEnv } from "../helpers/start-app.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const NODES = 5;
const STAGGER_MS = 300;

interface Start {
  child: ChildProcess;
  output: string;
  exit: { code: number | null; signal: NodeJS.Signals | null } | null;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** What a checkout holds before anything was built: the sources, the manifests and the installed modules. */
async function copyCheckout(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "gantry-checkout-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  for (const entry of ["src", "scripts", "package.json", "tsconfig.json", "tsconfig.build.json"]) {
    await cp(join(ROOT, entry), join(dir, entry), { recursive: true });
  }
  await symlink(await realpath(join(ROOT, "node_modules")), join(dir, "node_modules"));
  return dir;
}

async function startFake(): Promise<{ fake: FakeGitHub; env: Record<string, string> }> {
  const { privateKey, publicKey } = createAppKey();
  const fake = await startFakeGitHub({ appId: 77, publicKey });
  cleanups.push(() => fake.close());
  return { fake, env: { APP_ID: "77", PRIVATE_KEY: privateKey, WEBHOOK_SECRET: "s", GHE_HOST: fake.host, GHE_PROTOCOL: "http" } };
}

/** `npm start` in `dir`, as a user runs it, in a process group of its own so that npm, sh and node all stop. */
function npmStart(dir: string, env: Record<string, string>): Start {
  const child = spawn("npm", ["start"], {
    cwd: dir,
    detached: true,
    env: {
      ...appEnv(dir),
      npm_config_update_notifier: "false",
      GANTRY_CONCURRENCY: "1",
      GANTRY_REDELIVERY_INTERVAL_SECONDS: "0",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const start: Start = { child, output: "", exit: null };
  child.stdout!.on("data", (chunk: Buffer) => (start.output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (start.output += chunk.toString()));
  child.once("exit", (code, signal) => (start.exit = { code, signal }));
  cleanups.push(async () => {
    if (start.exit === null) {
      process.kill(-child.pid!, "SIGTERM");
      const timer = setTimeout(() => start.exit === null && process.kill(-child.pid!, "SIGKILL"), 10_000);
      await new Promise((resolve) => child.once("exit", resolve));
      clearTimeout(timer);
    }
  });
  return start;
}

async function startStaggered(dir: string): Promise<Start[]> {
  const { env } = await startFake();
  const starts: Start[] = [];
  for (let i = 0; i < NODES; i++) {
    const dataDir = join(dir, `data-${i}`);
    await mkdir(dataDir);
    starts.push(npmStart(dir, { ...env, GANTRY_DATA_DIR: dataDir }));
    await new Promise((resolve) => setTimeout(resolve, STAGGER_MS));
  }
  return starts;
}

async function expectAllUp(starts: Start[]): Promise<void> {
  const report = () => starts.map((s, i) => `--- start ${i} (exit ${JSON.stringify(s.exit)}):\n${s.output.slice(-1500)}`).join("\n");
  await eventually(
    "every start listening, or one dead",
    async () => starts.every((s) => s.output.includes("gantry listening on")) || starts.some((s) => s.exit !== null),
    150_000,
  );
  expect(starts.filter((s) => s.exit !== null), report()).toEqual([]);
  expect(starts.filter((s) => !s.output.includes("gantry listening on")), report()).toEqual([]);
  // the starts that found no build for these sources built it once between them
  expect(starts.filter((s) => s.output.includes("gantry: built")), report()).toHaveLength(1);
}

// Starting never rewrites code another process runs: with `tsc` into dist/ on every start, a node loading
// dist/ while the next start's tsc rewrote it died with "does not provide an export named …".
it("starts from one checkout without a build, a few hundred ms apart, all come up", { timeout: 240_000 }, async () => {
  const dir = await copyCheckout();
  await expectAllUp(await startStaggered(dir));
});

it("starts from one checkout whose dist/ is older than src/, a few hundred ms apart, all come up", { timeout: 240_000 }, async () => {
  const dir = await copyCheckout();
  // the build of the previous sources, as a directory (the layout of an older gantry)
  await cp(join(ROOT, "dist"), join(dir, "dist"), { recursive: true, dereference: true });
  await appendFile(join(dir, "src", "main.ts"), "\n// changed after the last build\n");
  await expectAllUp(await startStaggered(dir));
});
