import { createReadStream } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { Parser, type ReadEntry } from "tar";
import { isContainedLink } from "./is-contained-link.js";
import type { ArchiveRoot } from "./resolve-cache-paths.js";

/** What a save writes; an archive with anything else was not written by gantry. */
const ALLOWED_TYPES = new Set(["File", "Directory", "SymbolicLink"]);
const BLOCK_BYTES = 4096;

/**
 * Reads the gzip'd tar at `handle` from its start, extracting nothing, and throws on the first entry a save
 * does not write, or if the archive is damaged (garbage, truncated, a bad checksum): only files, folders and
 * symlinks; paths under `workspace/` or `home/` (not the root itself), relative, without `..`, backslash or
 * NUL; nothing at or under a path an earlier entry made a symlink (it would be written through); symlinks
 * that stay inside their root; no setuid, setgid or sticky bit. gantry runs as root and the archive holds what
 * a step wrote: a refused archive is not extracted at all. Returns about what it takes unpacked on disk.
 */
export async function validateCacheArchive(handle: FileHandle): Promise<{ diskBytes: number }> {
  let problem: string | undefined;
  let diskBytes = 0;
  const links = new Set<string>();
  const parser = new Parser({
    onwarn: (code: string, message: string | Error) => {
      problem ??= `${code}: ${message instanceof Error ? message.message : message}`;
    },
  });
  parser.on("entry", (entry: ReadEntry) => {
    problem ??= refusal(entry, links);
    // an inode's block and the file's own, each rounded up to the 4 KiB blocks a file system gives
    diskBytes += BLOCK_BYTES + Math.ceil((entry.size ?? 0) / BLOCK_BYTES) * BLOCK_BYTES;
    entry.resume();
  });
  await new Promise<void>((resolve, reject) => {
    // a damaged gzip stream aborts the parser: it reports an error and never ends
    parser.on("error", reject);
    parser.on("abort", reject);
    parser.on("end", () => resolve());
    const source = createReadStream("", { fd: handle, start: 0, autoClose: false, highWaterMark: 1024 * 1024 });
    source.on("error", reject);
    source.pipe(parser);
  });
  if (problem !== undefined) throw new Error(problem);
  return { diskBytes };
}

/** Why `entry` is refused, if it is; `links` holds the paths earlier entries made symlinks, and gets this one. */
function refusal(entry: ReadEntry, links: Set<string>): string | undefined {
  const path = entry.path.replace(/\/+$/, "");
  const what = `archive entry ${JSON.stringify(entry.path)}`;
  if (!ALLOWED_TYPES.has(entry.type)) return `${what} is a ${entry.type}, not a file, folder or symlink`;
  const root = archiveRootOf(path);
  if (root === undefined) return `${what} is not a plain path under workspace/ or home/`;
  if (typeof entry.mode === "number" && (entry.mode & 0o7000) !== 0) return `${what} has a setuid, setgid or sticky bit`;
  const parts = path.split("/");
  if (parts.some((_, index) => links.has(parts.slice(0, index + 1).join("/")))) return `${what} is at or under a symlink`;
  if (entry.type === "SymbolicLink") {
    const target = entry.linkpath ?? "";
    if (!isContainedLink(path.slice(root.length + 1), target)) return `${what} links outside ${root}/ (${JSON.stringify(target)})`;
    links.add(path);
  }
  return undefined;
}

/** The root a path is under, if it is a plain relative path with a name after the root. */
function archiveRootOf(path: string): ArchiveRoot | undefined {
  if (path.startsWith("/") || path.includes("\\") || path.includes("\0")) return undefined;
  const parts = path.split("/");
  if (parts.some((part) => part === ".." || part === "." || part === "") || parts.length < 2) return undefined;
  const first = parts[0];
  return first === "workspace" || first === "home" ? first : undefined;
}
