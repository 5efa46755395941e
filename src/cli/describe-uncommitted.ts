import { git } from "./git.js";

/** Enough names to recognise the change; the rest are counted. */
const MAX_LISTED = 3;

/**
 * One line saying what `gantry run` will not test: changes to tracked files that are not committed (steps run
 * in a checkout of HEAD), or `null` when there are none. The config is the exception, read from the working tree.
 */
export async function describeUncommitted(dir: string, configPath: string, sha: string): Promise<string | null> {
  // paths relative to the repository's top, like configPath, whichever subdirectory `dir` is
  const listed = await git(dir, ["-c", "core.quotePath=false", "diff", "--name-only", "HEAD", "--", ":/"]);
  const changed = listed.split("\n").filter(Boolean);
  if (changed.length === 0) return null;
  const others = changed.filter((path) => path !== configPath);
  const head = `HEAD (${sha.slice(0, 7)})`;
  const config = `the uncommitted ${configPath} is used`;
  if (others.length === 0) return `gantry: ${config}; the steps run on ${head}`;
  const alsoConfig = others.length < changed.length ? `; ${config}` : "";
  const names = others.slice(0, MAX_LISTED).map((path) => (path.length > 80 ? `…${path.slice(-79)}` : path));
  const more = others.length > MAX_LISTED ? ` and ${others.length - MAX_LISTED} more` : "";
  const files = `${others.length} tracked file${others.length === 1 ? "" : "s"}`;
  return `gantry: uncommitted changes to ${files} (${names.join(", ")}${more}) are not tested: the steps run on ${head}${alsoConfig}`;
}
