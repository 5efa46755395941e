import { createReadStream } from "node:fs";
import { mkdir, open, type FileHandle } from "node:fs/promises";
import { Unpack, type ReadEntry } from "tar";
import type { CacheRoots } from "./cache-store.js";
import type { ArchiveRoot } from "./resolve-cache-paths.js";

/** What a save writes; anything else in an archive was not gantry's and is left out. */
const ALLOWED_TYPES = new Set(["File", "Directory", "SymbolicLink"]);
/** Warnings that mean the archive itself is damaged, not one entry refused: the caller drops the entry. */
const DAMAGED = new Set(["TAR_BAD_ARCHIVE", "TAR_ABORT", "TAR_ENTRY_INVALID"]);

/**
 * Unpacks `file` into the roots (its `workspace/...` into `roots.workspace`, `home/...` into `roots.home`),
 * merging with what is there. gantry runs as root and the archive holds what a step wrote, so: only files,
 * folders and symlinks under the two prefixes; no absolute path, no `..`; nothing written through a symlink
 * (node-tar refuses a path with a link in it, and replaces a link that is in the way instead of writing
 * through it); owned by gantry's uid, not the archive's; setuid, setgid and sticky bits dropped. Rejects if the
 * archive is damaged (truncated, garbage).
 */
export async function unpackCacheArchive(file: string, roots: CacheRoots): Promise<void> {
  // opened once: an eviction by another process may remove the file between the two passes
  const handle = await open(file, "r");
  try {
    // One pass per root: node-tar extracts under one folder. The second is skipped when nothing is for it.
    const seen = await unpackRoot(handle, roots, "workspace");
    if (seen.has("home")) await unpackRoot(handle, roots, "home");
  } finally {
    await handle.close();
  }
}

async function unpackRoot(handle: FileHandle, roots: CacheRoots, root: ArchiveRoot): Promise<Set<ArchiveRoot>> {
  const seen = new Set<ArchiveRoot>();
  let damage: string | undefined;
  let failed: string | undefined;
  await mkdir(roots[root], { recursive: true });
  const unpack = new Unpack({
    cwd: roots[root],
    strip: 1,
    preserveOwner: false,
    strict: false,
    onwarn: (code: string, message: string | Error, data: { code?: string }) => {
      const text = `${code}: ${message instanceof Error ? message.message : message}`;
      if (DAMAGED.has(code)) damage ??= text;
      // A system error (disk full, I/O) leaves the restore incomplete: the caller must know. An entry node-tar
      // refuses (TAR_*: a link in the way, a link target outside the root) is left out like any foreign entry.
      else if (data.code !== undefined && /^E[A-Z]+$/.test(data.code)) failed ??= text;
    },
    filter: (path: string, entry: ReadEntry | unknown) => {
      const read = entry as ReadEntry;
      const prefix = archiveRootOf(path);
      if (prefix === undefined || !ALLOWED_TYPES.has(read.type)) return false;
      seen.add(prefix);
      if (prefix !== root) return false;
      if (typeof read.mode === "number") read.mode &= 0o777;
      return true;
    },
  });
  await new Promise<void>((resolve, reject) => {
    unpack.on("error", reject);
    unpack.on("close", () => resolve());
    const source = createReadStream("", { fd: handle, start: 0, autoClose: false, highWaterMark: 1024 * 1024 });
    source.on("error", reject);
    source.pipe(unpack);
  });
  if (damage !== undefined) throw new Error(damage);
  if (failed !== undefined) throw new Error(failed);
  return seen;
}

/** The root a path is under, if it is a plain relative path (no `..`, not absolute, no backslash tricks). */
function archiveRootOf(path: string): ArchiveRoot | undefined {
  if (path.startsWith("/") || path.includes("\\") || path.includes("\0")) return undefined;
  const parts = path.split("/");
  // `workspace/` itself is the root: an archive may not change the root's own mode or times
  if (parts.includes("..") || parts.filter((part) => part !== "" && part !== ".").length < 2) return undefined;
  const first = parts[0];
  if (first !== "workspace" && first !== "home") return undefined;
  return first;
}
