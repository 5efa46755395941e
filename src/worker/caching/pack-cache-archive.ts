import type { Stats } from "node:fs";
import { createWriteStream } from "node:fs";
import { mkdir, rm, symlink } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { Pack } from "tar";
import type { CacheRoots } from "./cache-store.js";
import type { ResolvedCachePath } from "./resolve-cache-paths.js";

/**
 * gzip, not zstd: Node 20's zlib has no zstd (it came in Node 22.15/23.8), and node-tar's zstd needs it. Level 1
 * (measured on a node_modules-like tree, see the report of issue 11): <figures in GZIP_LEVEL's comment>.
 */
export const GZIP_LEVEL = 1;

export type PackOutcome = { outcome: "packed"; sizeBytes: number } | { outcome: "too large" };

/** node-tar stores a file whose inode it has seen as a hard-link entry; a cache holds plain files only. */
class NoHardLinks extends Map<`${number}:${number}`, string> {
  override get(): undefined {
    return undefined;
  }
  override set(): this {
    return this;
  }
}

class TooLarge extends Error {}

/**
 * Writes a gzip'd tar of `paths` to `file`: regular files, folders and symlinks (as links, never followed);
 * FIFOs, sockets and devices are left out (never opened: a FIFO would hang the save). Stops, and removes
 * `file`, as soon as the compressed bytes pass `maxBytes`. `viewDir` is a new folder for the links `home` and
 * `workspace` to the roots, so that archive paths start with them; the caller removes it.
 */
export async function packCacheArchive(options: {
  paths: readonly ResolvedCachePath[];
  roots: CacheRoots;
  file: string;
  viewDir: string;
  maxBytes: number;
}): Promise<PackOutcome> {
  const { paths, roots, file, viewDir, maxBytes } = options;
  await mkdir(viewDir);
  // the roots are gantry's own folders: these two links are the only ones ever followed
  await symlink(roots.workspace, join(viewDir, "workspace"));
  await symlink(roots.home, join(viewDir, "home"));
  const pack = new Pack({
    cwd: viewDir,
    gzip: { level: GZIP_LEVEL },
    portable: true,
    follow: false,
    linkCache: new NoHardLinks(),
    jobs: 8,
    filter: (_path: string, stat: Stats | unknown) => {
      const s = stat as Stats;
      return s.isFile() || s.isDirectory() || s.isSymbolicLink();
    },
  });
  // after an abort node-tar may still report a file it was reading: nobody listens then
  pack.on("error", () => {});
  for (const { archivePath } of paths) pack.add(archivePath);
  pack.end();
  let sizeBytes = 0;
  try {
    await pipeline(
      pack,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          sizeBytes += chunk.length;
          if (sizeBytes > maxBytes) throw new TooLarge();
          yield chunk;
        }
      },
      createWriteStream(file, { flags: "wx" }),
    );
  } catch (error) {
    pack.destroy();
    await rm(file, { force: true });
    if (error instanceof TooLarge) return { outcome: "too large" };
    throw error;
  }
  return { outcome: "packed", sizeBytes };
}
