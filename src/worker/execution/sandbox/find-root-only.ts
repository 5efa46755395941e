import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";

const scanned = new Map<string, string[]>();

/**
 * Entries under `dirs` that other users cannot read (a file without o+r, a directory without o+r or o+x),
 * not descending into them. Scanned once per process and set of directories: their content is the host's
 * configuration, which changes with a package install, not between steps.
 */
export function findRootOnly(dirs: readonly string[], skip: readonly string[]): string[] {
  const key = `${dirs.join("\0")}\n${skip.join("\0")}`;
  let found = scanned.get(key);
  if (found === undefined) {
    found = [];
    // what is hidden anyway (the data dir with every workspace) is not walked
    const skipped = new Set(skip);
    for (const dir of dirs) walk(dir, skipped, found);
    scanned.set(key, found);
  }
  return found;
}

function walk(dir: string, skip: ReadonlySet<string>, found: string[]): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return; // vanished, or not a directory: nothing under it to hide
  }
  for (const entry of entries) {
    if (!entry.isDirectory() && !entry.isFile()) continue; // a symlink's target is scanned where it lives
    const path = join(dir, entry.name);
    if (skip.has(path)) continue;
    let mode: number;
    try {
      mode = lstatSync(path).mode;
    } catch {
      continue;
    }
    if (entry.isFile()) {
      if ((mode & 0o004) === 0) found.push(path);
    } else if ((mode & 0o005) !== 0o005) {
      found.push(path);
    } else {
      walk(path, skip, found);
    }
  }
}
