import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../../dist/main.js", import.meta.url));
const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

export interface RunningApp {
  url: string;
  webhookUrl: string;
  dataDir: string;
  process: ChildProcess;
  /** Everything the app printed so far (stdout and stderr). */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * The environment a started gantry gets in tests: nothing of the developer's (no .env, no settings), JSON logs,
 * a free loopback port.
 */
export function appEnv(home: string): Record<string, string> {
  return { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: process.env["HOME"] ?? home, LOG_FORMAT: "json", HOST: "127.0.0.1", PORT: "0" };
}

/**
 * Starts the built app (`node dist/main.js`, as `npm start` does) on a free loopback port, in a temp working
 * directory so no .env of the developer's is read.
 */
export async function startApp(env: Record<string, string>, options: { dataDir?: string; role?: "server" | "worker" } = {}): Promise<RunningApp> {
  const worker = options.role === "worker";
  const cwd = await mkdtemp(join(tmpdir(), "gantry-app-"));
  const dataDir = options.dataDir ?? join(cwd, "data");
  const child = spawn(process.execPath, worker ? [CLI, "worker"] : [MAIN], {
    cwd,
    env: {
      ...appEnv(cwd),
      LOG_LEVEL: "info",
      GANTRY_DATA_DIR: dataDir,
      GANTRY_CONCURRENCY: "2",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`app did not start in time:\n${output}`)), 30_000);
    const check = () => {
      const match = worker ? /gantry worker running/.exec(output) : /gantry listening on (https?:\/\/[^\s"/]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] ?? "");
      }
    };
    child.stdout!.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`app exited with ${code} before listening:\n${output}`));
    });
  });
  const url = await ready.catch(async (error: unknown) => {
    child.kill("SIGKILL");
    await rm(cwd, { recursive: true, force: true });
    throw error;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    url,
    webhookUrl: `${url}/api/github/webhooks`,
    dataDir,
    process: child,
    output: () => output,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      // a given data directory outlives this process (restarts); the working directory does not
      await rm(cwd, { recursive: true, force: true });
    },
  };
}

/** The app's JSON log lines, parsed. */
export function logLines(output: string): Array<Record<string, unknown>> {
  return output
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
