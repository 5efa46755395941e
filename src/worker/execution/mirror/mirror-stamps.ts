import { join } from "node:path";

/**
 * Files in a mirror whose times say when a checkout last used it: `gantry-used/last` for the mirror, and
 * `gantry-used/<sha>` for each `refs/gantry/<sha>`. Git ignores them; only gantry's own processes write there
 * (steps see the mirror read-only).
 */
export function mirrorStamps(mirror: string): { dir: string; mirror: string; ref: (sha: string) => string } {
  const dir = join(mirror, "gantry-used");
  return { dir, mirror: join(dir, "last"), ref: (sha) => join(dir, sha) };
}
