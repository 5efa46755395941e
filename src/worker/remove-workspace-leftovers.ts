import { SUMMARIES_SUFFIX } from "./execution/step-summary-file.js";
import { HOME_SUFFIX } from "./execution/run-home.js";
import { CACHE_RESTORE_SUFFIX } from "./caching/unpack-cache-archive.js";
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Store } from "../backend/storage/store.js";
import { isRunId } from "../runs/is-run-id.js";
import { onSameHost } from "../runs/node-id.js";
import { workspaceRoot } from "./workspace-root.js";
import { isProcessAlive } from "./is-process-alive.js";


/**
 * At start-up, before this node (`nodeId`) takes work: removes what a crash left under the workspaces folder (a
 * run removes its own when it ends). An entry is kept while its run is running in a live process — another
 * gantry may share the data folder — or on another host, where this node cannot tell. Names that are not a
 * run's are not gantry's and stay. Returns the names removed.
 */
export async function removeWorkspaceLeftovers(options: { store: Store; dataDir: string; nodeId: string }): Promise<string[]> {
  const root = workspaceRoot(options.dataDir);
  let names: string[];
  try {
    names = await readdir(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const removed: string[] = [];
  for (const name of names) {
    const suffix = [SUMMARIES_SUFFIX, HOME_SUFFIX, CACHE_RESTORE_SUFFIX].find((end) => name.endsWith(end));
    const runId = suffix ? name.slice(0, -suffix.length) : name;
    if (!isRunId(runId)) continue;
    const run = await options.store.getRun(runId);
    if (run?.state === "running" && (!onSameHost(run.nodeId, options.nodeId) || processAlive(run.nodeId!))) continue;
    await rm(join(root, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** Whether the gantry process of `nodeId` (`host:pid`, on this host) is still there. */
function processAlive(nodeId: string): boolean {
  return isProcessAlive(Number(nodeId.slice(nodeId.lastIndexOf(":") + 1)));
}
