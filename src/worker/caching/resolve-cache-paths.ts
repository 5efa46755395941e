import { lstat, readdir } from "node:fs/promises";
import { join, posix } from "node:path";
import type { CacheRoots } from "./cache-store.js";

/** The two folders an archive holds, one per root: `home/...` and `workspace/...`. */
export type ArchiveRoot = "home" | "workspace";

export interface ResolvedCachePath {
  /** Its path inside the archive: `workspace/node_modules`, `home/.npm`. */
  archivePath: string;
  root: ArchiveRoot;
}

/**
 * The configured paths that exist, as archive paths. `~/x` is under the home, anything else under the workspace.
 * A path reached through a symlink (`a/b` where the step made `a` a link to `/root`) is not there: only its last
 * part may be a link, and that is archived as a link, never followed. The root itself (`~`, `.`) is its children.
 */
export async function resolveCachePaths(paths: readonly string[], roots: CacheRoots): Promise<ResolvedCachePath[]> {
  const wanted = new Map<string, ResolvedCachePath>();
  for (const configured of paths) {
    const root: ArchiveRoot = configured === "~" || configured.startsWith("~/") ? "home" : "workspace";
    const relative = posix.normalize(root === "home" ? configured.slice(1).replace(/^\/+/, "") || "." : configured);
    if (posix.isAbsolute(relative) || relative === ".." || relative.startsWith("../")) {
      throw new Error(`cache path ${JSON.stringify(configured)} leaves its root: only relative paths without ".." are cached`);
    }
    const parts = relative === "." ? [] : relative.split("/").filter((part) => part !== "");
    const base = roots[root];
    if (!(await reachableWithoutLinks(base, parts))) continue;
    if (parts.length === 0) {
      for (const child of await readdir(base)) wanted.set(`${root}/${child}`, { archivePath: `${root}/${child}`, root });
    } else {
      wanted.set(`${root}/${parts.join("/")}`, { archivePath: `${root}/${parts.join("/")}`, root });
    }
  }
  // a path inside another one is archived with it: listing both would store its files twice
  const all = [...wanted.keys()];
  return [...wanted.values()].filter(({ archivePath }) => !all.some((other) => archivePath.startsWith(`${other}/`)));
}

/** Whether `parts` under `base` exist, each but the last a real folder (not a link to one). */
async function reachableWithoutLinks(base: string, parts: readonly string[]): Promise<boolean> {
  let current = base;
  for (let index = 0; index < parts.length; index++) {
    current = join(current, parts[index]!);
    const isLast = index === parts.length - 1;
    try {
      const stat = await lstat(current);
      if (!isLast && !stat.isDirectory()) return false;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return false;
      throw error;
    }
  }
  if (parts.length === 0) {
    try {
      return (await lstat(base)).isDirectory();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw error;
    }
  }
  return true;
}
