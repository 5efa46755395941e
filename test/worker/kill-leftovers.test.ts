import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { hostname, tmpdir } from "node:os";
import { afterEach, expect, it } from "vitest";
import { currentNodeId } from "../../src/runs/node-id.js";
import { killLeftovers } from "../../src/worker/kill-leftovers.js";
import { eventually } from "../helpers/eventually.js";
import { isRunning } from "../helpers/is-running.js";
import { run as runRecord } from "../backend/storage/store-contract.js";
import { bwrapSandbox } from "../../src/worker/execution/sandbox/bwrap-sandbox.js";
import { processesWithEnv } from "../helpers/processes-with-env.js";

const spawned: number[] = [];
const pidFile = join(tmpdir(), `gantry-kill-leftovers-${process.pid}`);
afterEach(async () => {
  await rm(pidFile, { force: true });
  for (const pid of spawned.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
});

/** A step's process as a dead worker leaves it: its own group, GANTRY_RUN_ID in its environment. */
function orphan(runId: string, script: string): number {
  const child = spawn("sh", ["-c", script], { detached: true, stdio: "ignore", env: { PATH: process.env["PATH"], GANTRY_RUN_ID: runId } });
  child.unref();
  spawned.push(child.pid!);
  return child.pid!;
}

it("kills a dead worker's steps on this host by their GANTRY_RUN_ID, with no recorded pid, even one that left its group", async () => {
  const run = runRecord(randomUUID(), "d", "build", { state: "running", nodeId: `${hostname()}:1`, pid: null });
  const other = randomUUID();
  const inGroup = orphan(run.id, "sleep 60");
  // a background child calls setsid, leaving the group for a session of its own; $! is its pid
  const parent = orphan(run.id, `setsid sleep 60 & echo $! > ${pidFile}; wait`);
  const escaped = Number(await eventually("the escaped pid", () => readFile(pidFile, "utf8").then((t) => t.trim())));
  spawned.push(escaped);
  const bystander = orphan(other, "sleep 60");
  await eventually("the processes", async () => [inGroup, parent, escaped, bystander].every(isRunning));
  const groupOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[2]);
  await eventually("setsid to take effect", async () => groupOf(escaped) === escaped);

  // at least the three known; a shell may also have forked its sleep by now
  expect(await killLeftovers(run, currentNodeId())).toBeGreaterThanOrEqual(3);
  await eventually("the run's processes gone", async () => !isRunning(inGroup) && !isRunning(parent) && !isRunning(escaped));
  expect(isRunning(bystander)).toBe(true);
});

it("leaves processes alone when the run's worker was on another host", async () => {
  const run = runRecord(randomUUID(), "d", "build", { state: "running", nodeId: "elsewhere:1", pid: null });
  const pid = orphan(run.id, "sleep 60");
  await eventually("the process", async () => isRunning(pid));
  expect(await killLeftovers(run, currentNodeId())).toBe(0);
  expect(isRunning(pid)).toBe(true);
});

it("finds and kills a sandboxed step's processes, inside its PID namespace and in a session of their own", async () => {
  const run = runRecord(randomUUID(), "d", "build", { state: "running", nodeId: `${hostname()}:1`, pid: null });
  const wrapped = bwrapSandbox({ mode: "bwrap", bind: [], hide: [] }).wrap({
    command: "setsid sleep 60 & sleep 61",
    workspace: tmpdir(),
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", GANTRY_RUN_ID: run.id },
    network: "host",
  });
  const child = spawn(wrapped.file, wrapped.args, { detached: true, stdio: "ignore", env: wrapped.env, cwd: wrapped.cwd });
  child.unref();
  spawned.push(child.pid!);
  // bwrap, its init in the namespace, sh and the two sleeps
  const mark = `GANTRY_RUN_ID=${run.id}`;
  await eventually("the sandbox's processes", async () => processesWithEnv(mark).length >= 5);
  // killing bwrap ends its namespace: what the scan reaches later may already be gone
  expect(await killLeftovers(run, currentNodeId())).toBeGreaterThanOrEqual(1);
  await eventually("the sandbox's processes gone", async () => processesWithEnv(mark).length === 0);
});
