import { join } from "node:path";

/** The workspaces of a node's runs: `<root>/<run id>`, and `<root>/<run id>.summaries` for its steps' summaries. */
export function workspaceRoot(dataDir: string): string {
  return join(dataDir, "workspaces");
}
