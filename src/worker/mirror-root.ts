import { join } from "node:path";

/** One bare mirror per repository, by id: `<root>/<repository id>`, kept between runs (each worker its own). */
export function mirrorRoot(dataDir: string): string {
  return join(dataDir, "mirrors");
}
