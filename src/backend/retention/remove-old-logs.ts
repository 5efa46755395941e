import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { isRunId } from "../../runs/is-run-id.js";
import { logDir } from "../../runs/log-path.js";
import type { Store } from "../storage/store.js";


/**
 * Removes this node's log folders (`<dataDir>/logs/<run id>`) of runs the store no longer has (another node's
 * sweep removed them) and of completed runs whose folder was last changed before `before`. A folder of a run
 * that is not completed is never touched, nor anything whose name is not a run id. Returns how many it removed.
 */
export async function removeOldLogs(options: { store: Store; dataDir: string; before: number; signal?: AbortSignal }): Promise<number> {
  const root = join(options.dataDir, "logs");
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw error;
  }
  let removed = 0;
  for (const entry of entries) {
    if (options.signal?.aborted) break;
    if (!entry.isDirectory() || !isRunId(entry.name)) continue;
    const dir = logDir(options.dataDir, entry.name);
    const run = await options.store.getRun(entry.name);
    if (run && run.state !== "completed") continue;
    // gone meanwhile (null): nothing to do
    const changedAt = run ? await stat(dir).then((s) => s.mtimeMs, () => null) : 0;
    if (changedAt === null || changedAt >= options.before) continue;
    await rm(dir, { recursive: true, force: true });
    removed++;
    await nextTurn();
  }
  return removed;
}
