import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findViolations, LAYERS, layerOf, readTree, RULES } from "./layering.js";

const SRC = fileURLToPath(new URL("../../src", import.meta.url));
const tree = readTree(SRC);

const DIRECTION = RULES[0]!.name;
const EXECUTION = RULES[1]!.name;
const REPORT = RULES[2]!.name;
const PURE = RULES[3]!.name;
const INTERNALS = RULES[4]!.name;

/** The violations of the real tree with one more file planted in (a copy in memory: src/ is not touched). */
function plant(path: string, text: string): string[] {
  const copy = new Map(tree);
  copy.set(path, text);
  return findViolations(copy);
}

describe("layering of src/", () => {
  it("src/ breaks no layering rule", () => {
    expect(findViolations(tree)).toEqual([]);
  });

  it("every folder of src/ has its place in LAYERS", () => {
    const folders = new Set([...tree.keys()].map(layerOf));
    expect([...folders].sort()).toEqual([...LAYERS].sort());
  });

  it("finds a rule's file in a folder missing from LAYERS", () => {
    expect(() => plant("extras/helper.ts", "export const x = 1;\n")).toThrow("folder extras/ is not in LAYERS");
  });

  // Each planted file breaks the named rule; the tree around it stays clean, so every line found is the planted file's.
  it.each([
    ["a stage imports the composition root (type-only too)", "ingest/planted.ts", 'import type { Gantry } from "../app/start-gantry.js";', [DIRECTION]],
    ["the report imports dispatch, before it on the path", "report/planted.ts", 'import { startRuns } from "../dispatch/start-runs.js";', [DIRECTION]],
    ["the worker imports dispatch", "worker/planted.ts", 'export { dispatchPush } from "../dispatch/dispatch-push.js";', [DIRECTION]],
    ["the run model imports the worker", "runs/planted.ts", 'import type { WorkerDeps } from "../worker/worker-deps.js";', [DIRECTION]],
    ["execution imports probot", "worker/execution/planted.ts", 'import type { Logger } from "probot";', [EXECUTION]],
    ["execution imports an @octokit package", "worker/execution/planted.ts", 'import { RequestError } from "@octokit/request-error";', [EXECUTION]],
    ["execution names an Octokit type inline", "worker/execution/planted.ts", 'export type Log = import("probot").Logger;', [EXECUTION]],
    ["execution imports github/", "worker/execution/planted.ts", 'import { describeGitHubError } from "../../github/describe-github-error.js";', [EXECUTION]],
    ["the report imports execa", "report/planted.ts", 'import { execa } from "execa";', [REPORT]],
    ["the report loads child_process lazily", "report/planted.ts", 'export const spawn = () => import("node:child_process");', [REPORT]],
    ["the report imports worker/execution", "report/planted.ts", 'import { LogFile } from "../worker/execution/log-file.js";', [DIRECTION, REPORT]],
    ["planning reads a file", "planning/planted.ts", 'import { readFileSync } from "node:fs";', [PURE]],
    ["config opens a socket", "config/planted.ts", 'import { connect } from "node:net";', [PURE]],
    ["config serves HTTP", "config/planted.ts", 'import { createServer } from "node:http";', [PURE]],
    ["planning runs a process", "planning/planted.ts", 'import { spawn } from "node:child_process";', [PURE]],
    ["planning takes a value from a types-only package", "planning/planted.ts", 'import { Webhooks } from "@octokit/webhooks";', [PURE]],
    ["planning imports the run model", "planning/planted.ts", 'import type { RunRecord } from "../runs/run-types.js";', [DIRECTION, PURE]],
    ["dispatch reaches into the SQLite store", "dispatch/planted.ts", 'import { SqliteStore } from "../backend/storage/sqlite-store.js";', [INTERNALS]],
    ["the app reaches into the BullMQ queue", "app/planted.ts", 'import { takeoverBoundMs } from "../backend/queue/bullmq-queue.js";', [INTERNALS]],
    ["the queue reaches into the Redis store", "backend/queue/planted.ts", 'import { RedisStore } from "../storage/redis-store.js";', [INTERNALS]],
  ])("fails when %s", (_case, path, line, rules) => {
    const found = plant(path, `${line}\n`);
    expect(found.length).toBe(rules.length);
    for (const [index, rule] of rules.entries()) {
      expect(found[index]).toContain(`src/${path}: `);
      expect(found[index]).toContain(`[${rule}]`);
    }
  });

  it.each([
    ["the run model uses the store's interface", "runs/planted.ts", 'import type { Store } from "../backend/storage/store.js";'],
    ["a backend opener uses an implementation", "backend/open-planted.ts", 'import { RedisStore } from "./storage/redis-store.js";'],
    ["a store uses its own helpers", "backend/storage/planted.ts", 'import { encodeRun } from "./redis/encode-run.js";'],
    ["config takes webhook types", "config/planted.ts", 'import type { EmitterWebhookEvent } from "@octokit/webhooks";'],
    ["planning uses picomatch and config", "planning/planted.ts", 'import picomatch from "picomatch";\nimport type { Config } from "../config/config-types.js";'],
    ["the worker reports through report/", "worker/planted.ts", 'import { readLogTail } from "../report/read-log-tail.js";'],
    ["the CLI starts a node", "cli/planted.ts", 'import { startNode } from "../app/start-node.js";'],
  ])("allows %s", (_case, path, text) => {
    expect(plant(path, `${text}\n`)).toEqual([]);
  });
});
