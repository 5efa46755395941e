import { boundText } from "./bound-text.js";
import { MAX_PATH_CHARS } from "./scanning-limits.js";

/**
 * A path a step printed, relative to the repository root when it is under the workspace (the checkout) or
 * written as `./x`; anything else (another absolute path, a Windows path) as printed. Bounded.
 */
export function relativeToWorkspace(path: string, workspace: string | null): string {
  let relative = path.trim();
  if (workspace !== null && workspace !== "") {
    const root = workspace.replace(/\/+$/, "");
    if (relative === root) relative = "";
    else if (relative.startsWith(`${root}/`)) relative = relative.slice(root.length + 1);
  }
  while (relative.startsWith("./")) relative = relative.slice(2);
  return boundText(relative, MAX_PATH_CHARS);
}
