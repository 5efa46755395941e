import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The version in gantry's package.json: the nearest one above this file named gantry. Walked up rather than
 * fixed, because the compiled file lives in `.builds/<hash>/cli/` (behind the `dist` link), not in `dist/cli/`.
 */
export function readVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const path = join(dir, "package.json");
    const manifest = existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as { name?: string; version?: string }) : null;
    if (manifest?.name === "gantry" && manifest.version) return manifest.version;
    if (dirname(dir) === dir) throw new Error(`gantry: no package.json of gantry above ${fileURLToPath(import.meta.url)}`);
  }
}
