import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { currentNodeId } from "../../src/runs/node-id.js";
import { removeWorkspaceLeftovers } from "../../src/worker/remove-workspace-leftovers.js";
import { workspaceRoot } from "../../src/worker/workspace-root.js";
import { run } from "../backend/storage/store-contract.js";
import { openTempStore } from "../helpers/temp-store.js";

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

it("removes a crash's workspaces and summaries at start-up, keeping those of runs still running and foreign names", async () => {
  const temp = openTempStore();
  closers.push(temp.close);
  const { store, dir: dataDir } = temp;
  const self = currentNodeId();
  const ids = { live: randomUUID(), dead: randomUUID(), elsewhere: randomUUID(), completed: randomUUID(), unknown: randomUUID() };
  await store.addRuns([
    // a process that is there (this one): another gantry sharing the data folder, say
    run(ids.live, "d1", "live", { state: "running", nodeId: self }),
    // pid 0 is never a gantry process: the one that recorded this run is gone
    run(ids.dead, "d1", "dead", { state: "running", nodeId: `${hostname()}:0` }),
    run(ids.elsewhere, "d1", "elsewhere", { state: "running", nodeId: "some-other-host:1" }),
    run(ids.completed, "d1", "completed", { state: "completed", completedAt: 1 }),
  ]);
  const root = workspaceRoot(dataDir);
  for (const id of Object.values(ids)) {
    mkdirSync(join(root, id, "src"), { recursive: true });
    writeFileSync(join(root, id, "src", "a.ts"), "x");
    mkdirSync(join(root, `${id}.summaries`));
    mkdirSync(join(root, `${id}.home`, ".npm"), { recursive: true });
    // a restore's staging folder, left by a crash mid-restore
    mkdirSync(join(root, `${id}.cache-restore`, "workspace"), { recursive: true });
  }
  mkdirSync(join(root, "not-a-run"));
  writeFileSync(join(root, "notes.txt"), "mine");

  const removed = await removeWorkspaceLeftovers({ store, dataDir, nodeId: self });

  const gone = [ids.dead, ids.completed, ids.unknown];
  expect(removed.sort()).toEqual(gone.flatMap((id) => [id, `${id}.summaries`, `${id}.home`, `${id}.cache-restore`]).sort());
  for (const id of gone) {
    expect(existsSync(join(root, id))).toBe(false);
    expect(existsSync(join(root, `${id}.summaries`))).toBe(false);
    expect(existsSync(join(root, `${id}.home`))).toBe(false);
    expect(existsSync(join(root, `${id}.cache-restore`))).toBe(false);
  }
  for (const id of [ids.live, ids.elsewhere]) {
    expect(existsSync(join(root, id, "src", "a.ts"))).toBe(true);
    expect(existsSync(join(root, `${id}.summaries`))).toBe(true);
    expect(existsSync(join(root, `${id}.home`, ".npm"))).toBe(true);
    expect(existsSync(join(root, `${id}.cache-restore`, "workspace"))).toBe(true);
  }
  expect(existsSync(join(root, "not-a-run"))).toBe(true);
  expect(existsSync(join(root, "notes.txt"))).toBe(true);
});

it("does nothing when there is no workspaces folder yet", async () => {
  const temp = openTempStore();
  closers.push(temp.close);
  expect(await removeWorkspaceLeftovers({ store: temp.store, dataDir: temp.dir, nodeId: currentNodeId() })).toEqual([]);
});
