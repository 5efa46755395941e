import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { CacheRoots } from "./cache-store.js";
import { moveIntoPlace } from "./move-into-place.js";

/** Moves an unpacked archive's `workspace/` and `home/` into the roots, merging, never through a symlink there. */
export async function placeCacheTree(tree: string, roots: CacheRoots): Promise<void> {
  await moveIntoPlace(join(tree, "workspace"), roots.workspace);
  await mkdir(roots.home, { recursive: true });
  await moveIntoPlace(join(tree, "home"), roots.home);
}
