import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Store } from "../backend/storage/store.js";
import { isRunId } from "../runs/is-run-id.js";
import { workspaceRoot } from "./workspace-root.js";

const SUMMARIES = ".summaries";

/**
 * At start-up, before this node takes work: removes what a crash left under the workspaces folder (a run
 * removes its own when it ends). An entry is kept while its run is running — on this node it is not yet, but
 * another process may share the data folder. Names that are not a run's are not gantry's and stay. Returns the
 * names removed.
 */
export async function removeWorkspaceLeftovers(options: { store: Store; dataDir: string }): Promise<string[]> {
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
    const runId = name.endsWith(SUMMARIES) ? name.slice(0, -SUMMARIES.length) : name;
    if (!isRunId(runId)) continue;
    if ((await options.store.getRun(runId))?.state === "running") continue;
    await rm(join(root, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
