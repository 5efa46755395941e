import { mkdir, open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";

export interface SavedHooks {
  /** The /meta URL they came from: a list saved for another GitHub is not this one's. */
  source: string;
  fetchedAt: string;
  hooks: string[];
}

/** Written whole to a temp name, flushed, then renamed: a crash leaves the old list or the new one, never half. */
export async function saveGitHubHooks(path: string, saved: SavedHooks): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    const file = await open(temp, "w");
    try {
      await file.writeFile(JSON.stringify(saved, null, 2) + "\n");
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
