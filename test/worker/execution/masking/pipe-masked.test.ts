import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, createReadStream, existsSync, openSync } from "node:fs";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LogFile } from "../../../../src/worker/execution/log-file.js";
import { createMasker, MASK, type Masker } from "../../../../src/worker/execution/masking/create-masker.js";
import { runStep } from "../../../../src/worker/execution/run-step.js";
import { plainSandbox } from "../../../../src/worker/execution/sandbox/plain-sandbox.js";
import { eventually } from "../../../helpers/eventually.js";
import { isRunning } from "../../../helpers/is-running.js";

let dir: string;
let log: LogFile;
const leftovers: number[] = [];
const env = { PATH: process.env["PATH"] ?? "/usr/bin:/bin" };
// masking is the same whatever wraps the step; the sandboxed path is shown end to end in test/e2e/secrets.test.ts
const sandbox = plainSandbox();

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gantry-mask-"));
  log = new LogFile(join(dir, "run.log"));
});
afterEach(async () => {
  for (const pid of leftovers.splice(0)) if (isRunning(pid)) process.kill(pid, "SIGKILL");
  log.close();
  await rm(dir, { recursive: true, force: true });
});

const masker = (...secrets: string[]): Masker => createMasker(secrets) ?? expect.fail("no masker");
const run = (command: string, options: { masker?: Masker; env?: Record<string, string>; timeoutMs?: number } = {}) =>
  runStep({ command, workspace: dir, network: "host", sandbox, env: { ...env, ...options.env }, logFd: log.fd, timeoutMs: options.timeoutMs ?? 10_000, ...(options.masker ? { masker: options.masker } : {}) });

describe("runProcess with a masker", () => {
  it("masks a secret the child writes in two pieces a second apart", async () => {
    const outcome = await run("printf 'x abc'; sleep 1; printf 'def y'", { masker: masker("abcdef") });
    expect(outcome).toMatchObject({ exitCode: 0, timedOut: false, startError: null });
    expect(await readFile(log.path, "utf8")).toBe(`x ${MASK} y`);
  });

  it("masks the base64 a step makes of a secret it was given, alone and inside a longer stream", async () => {
    const token = "ghp_" + randomBytes(15).toString("hex");
    const command = `printf %s "$T" | base64; printf 'a%s' "$T" | base64; printf 'ab%s!' "$T" | base64 -w0; echo; printf %s "$T" | base64 | tr '+/' '-_'`;
    await run(command, { masker: masker(token), env: { T: token } });
    const lines = (await readFile(log.path, "utf8")).trimEnd().split("\n");
    // each line keeps only the characters that carry other bytes than the secret's (and the '=' padding)
    const expected = (prefix: string, suffix: string, url = false) => {
      const encoded = Buffer.from(prefix + token + suffix).toString("base64");
      const [from, to] = [Math.ceil((8 * prefix.length) / 6), Math.floor((8 * (prefix.length + token.length)) / 6)];
      const line = encoded.slice(0, from) + MASK + encoded.slice(to);
      return url ? line.replace(/[+/]/g, (c) => (c === "+" ? "-" : "_")) : line;
    };
    expect(lines).toEqual([expected("", ""), expected("a", ""), expected("ab", "!"), expected("", "", true)]);
  });

  it("masks stderr as well as stdout, each in its own order", async () => {
    await run("echo one s3cret-A >&2; echo two; echo three s3cret-A; echo four >&2", { masker: masker("s3cret-A") });
    const lines = (await readFile(log.path, "utf8")).trimEnd().split("\n");
    expect([...lines].sort()).toEqual(["four", `one ${MASK}`, `three ${MASK}`, "two"]);
    expect(lines.indexOf(`one ${MASK}`)).toBeLessThan(lines.indexOf("four"));
    expect(lines.indexOf("two")).toBeLessThan(lines.indexOf(`three ${MASK}`));
  });

  it("keeps lines whole though each stream holds bytes back: the other stream's output comes between lines", async () => {
    const command = "echo 'out: a line longer than the hold-back'; sleep 0.3; echo 'err: a line longer than the hold-back' >&2; sleep 0.3";
    await run(command, { masker: masker("abcdefghijkl") });
    const lines = (await readFile(log.path, "utf8")).trimEnd().split("\n");
    expect([...lines].sort()).toEqual(["err: a line longer than the hold-back", "out: a line longer than the hold-back"]);
  });

  it("writes a line longer than 64 KiB in pieces, without waiting for its end", async () => {
    const go = join(dir, "go");
    const step = run(`head -c 200000 /dev/zero | tr '\\0' y; while [ ! -e ${go} ]; do sleep 0.02; done; printf ' abcdefghijkl'`, { masker: masker("abcdefghijkl") });
    await eventually("the first 64 KiB of the line in the log", async () => (await stat(log.path)).size >= 64 * 1024);
    await writeFile(go, "");
    await step;
    expect(await readFile(log.path, "utf8")).toBe("y".repeat(200_000) + ` ${MASK}`);
  });

  it("stops reading the child while the log does not take its output: nothing piles up in memory", async () => {
    // the log is a FIFO that nobody reads yet: opened read-write, so that opening it does not wait for a reader
    const fifo = join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    const fd = openSync(fifo, "r+");
    const done = join(dir, "done");
    try {
      const step = runStep({ command: `head -c 50000000 /dev/zero; touch ${done}`, workspace: dir, network: "host", sandbox, env, logFd: fd, timeoutMs: 60_000, masker: masker("abcdefgh") });
      // what must not happen within a while: the child printing all of it (only pipes and 4 MiB are in between)
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(existsSync(done)).toBe(false);
      let read = 0;
      const reader = createReadStream(fifo).on("data", (chunk) => (read += chunk.length));
      const ended = new Promise<void>((resolve) => reader.once("close", () => resolve()));
      expect((await step).exitCode).toBe(0);
      expect(existsSync(done)).toBe(true);
      closeSync(fd);
      await ended;
      expect(read).toBe(50_000_000);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  });

  it("passes megabytes through in order and masks a secret at the very end", async () => {
    await run("head -c 3000000 /dev/zero | tr '\\0' x; printf 'tail-secret'", { masker: masker("tail-secret") });
    const text = await readFile(log.path, "utf8");
    expect(text.length).toBe(3_000_000 + MASK.length);
    expect(text.endsWith(`x${MASK}`)).toBe(true);
  });

  it("gives the child pipes with a masker, the log file itself without one, and leaves its output unchanged", async () => {
    await run("readlink /proc/self/fd/1; printf 'abcdef'", {});
    expect(await readFile(log.path, "utf8")).toBe(`${log.path}\nabcdef`);
    const second = new LogFile(join(dir, "second.log"));
    try {
      await runStep({ command: "readlink /proc/self/fd/1", workspace: dir, network: "host", sandbox, env, logFd: second.fd, timeoutMs: 10_000, masker: masker("abcdef") });
      expect(await readFile(second.path, "utf8")).toMatch(/^(pipe|socket):\[\d+\]\n$/);
    } finally {
      second.close();
    }
  });

  it("ends when the step exits, though what it left running holds the pipes, and kills that", async () => {
    const pidFile = join(dir, "pid");
    const started = Date.now();
    const outcome = await run(`sleep 300 & echo $! > ${pidFile}; echo started`, { masker: masker("abcdef") });
    expect(outcome.exitCode).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    const pid = Number(await readFile(pidFile, "utf8"));
    leftovers.push(pid);
    expect(isRunning(pid)).toBe(false);
    expect(await readFile(log.path, "utf8")).toBe("started\n");
  });

  it("ends soon after the step exits, though a process that left its group holds the pipes", async () => {
    const pidFile = join(dir, "pid");
    const started = Date.now();
    // the step waits until the sleep is in a session of its own (field 6 of its stat), out of the group's reach
    const command = `setsid sleep 300 & echo $! > ${pidFile}; while [ "$(cut -d' ' -f6 /proc/$!/stat)" != "$!" ]; do sleep 0.01; done; echo started`;
    const outcome = await run(command, { masker: masker("abcdef") });
    leftovers.push(Number(await readFile(pidFile, "utf8")));
    expect(outcome.exitCode).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await readFile(log.path, "utf8")).toBe("started\n");
  });

  it("still times out and kills the step", async () => {
    const outcome = await run("echo abcdef; sleep 300", { masker: masker("abcdef"), timeoutMs: 300 });
    expect(outcome.timedOut).toBe(true);
    expect(await readFile(log.path, "utf8")).toBe(`${MASK}\n`);
  });

  it("reports a step that cannot start", async () => {
    const outcome = await runStep({ command: "true", workspace: join(dir, "missing"), network: "host", sandbox, env, logFd: log.fd, timeoutMs: 10_000, masker: masker("abcdef") });
    expect(outcome.startError).toMatch(/missing|ENOENT/);
  });
});
