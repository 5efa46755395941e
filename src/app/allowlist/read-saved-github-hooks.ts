import { readFile } from "node:fs/promises";
import { parseCidr } from "./parse-cidr.js";
import type { SavedHooks } from "./save-github-hooks.js";

/** The saved list, or null when none was saved; throws when the file is not one gantry wrote. */
export async function readSavedGitHubHooks(path: string): Promise<SavedHooks | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  let saved: Partial<SavedHooks> | null = null;
  try {
    saved = JSON.parse(text) as Partial<SavedHooks> | null;
  } catch {
    // reported below, as any other file gantry did not write
  }
  const hooks = saved?.hooks;
  if (
    typeof saved?.source !== "string" ||
    typeof saved.fetchedAt !== "string" ||
    !Array.isArray(hooks) ||
    hooks.length === 0 ||
    !hooks.every((entry) => typeof entry === "string" && parseCidr(entry) !== null)
  ) {
    throw new Error(`${path}: not a list of webhook ranges saved by gantry`);
  }
  return { source: saved.source, fetchedAt: saved.fetchedAt, hooks };
}
