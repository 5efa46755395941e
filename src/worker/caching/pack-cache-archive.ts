import type { Stats } from "node:fs";
import { createWriteStream } from "node:fs";
import { readlinkSync } from "node:fs";
import { mkdir, rm, symlink } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { Pack, type WriteEntry } from "tar";
import type { CacheRoots } from "./cache-store.js";
import { isContainedLink } from "./is-contained-link.js";
import type { ResolvedCachePath } from "./resolve-cache-paths.js";

/**
 * gzip, not zstd: Node 20's zlib has no zstd (it came with Node 22.15), and node-tar's zstd needs it.
 * Level 4, measured on a real node_modules (206 MB of tar, 7,271 files; one core, best of 3):
 *   level 1: 54.6 MB in 1.7 s · 2: 52.7 MB 1.9 s · 3: 51.5 MB 2.1 s · 4: 48.6 MB 2.3 s · 5: 46.8 MB 3.7 s · 6: 46.2 MB 4.1 s
 * (gunzip 1.1 to 1.7 s at every level). 4 is the last of zlib's fast levels: 11% smaller than 1 for 0.5 s more;
 * past it the lazy matcher doubles the time for 5% less.
 */
export const GZIP_LEVEL = 4;

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
 * FIFOs, sockets and devices are left out (never opened: a FIFO would hang the save), and so are symlinks that
 * lead out of their root (absolute, or `..` past it) and setuid, setgid and sticky bits: a restore refuses an
 * archive with any of them (see validateCacheArchive), so a save never writes one. Stops, and removes
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
    filter: (path: string, stat: Stats | unknown) => {
      const s = stat as Stats;
      if (s.isSymbolicLink()) return isContainedLink(path.slice(path.indexOf("/") + 1), readlinkSync(join(viewDir, path)));
      return s.isFile() || s.isDirectory();
    },
    onWriteEntry: (entry: WriteEntry) => {
      if (entry.stat) entry.stat.mode &= ~0o7000;
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
