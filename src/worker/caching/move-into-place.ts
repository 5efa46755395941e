import type { Stats } from "node:fs";
import { cp, lstat, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";

/**
 * Moves every entry of the folder `from` into the real folder `to`, merging folders: a folder that is a real
 * folder on both sides is merged entry by entry, anything else in the way (a file, or a symlink, which the
 * pushed commit may have aimed at `/etc`) is removed (the link itself, never its target) and replaced. Nothing
 * is followed, so nothing is written outside `to`. `from` is left empty, or is missing if it never was.
 */
export async function moveIntoPlace(from: string, to: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(from);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  for (const name of names) {
    const source = join(from, name);
    const destination = join(to, name);
    const [sourceStat, destinationStat] = await Promise.all([lstat(source), lstatOrNull(destination)]);
    if (sourceStat.isDirectory() && destinationStat?.isDirectory()) {
      await moveIntoPlace(source, destination);
      continue;
    }
    if (destinationStat) await rm(destination, { recursive: true, force: true });
    await moveOne(source, destination);
  }
}

async function moveOne(source: string, destination: string): Promise<void> {
  try {
    await rename(source, destination);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
    // another file system (a workspace root mounted apart): copy links as links, then drop the source
    await cp(source, destination, { recursive: true, verbatimSymlinks: true, errorOnExist: true, force: false, preserveTimestamps: true });
    await rm(source, { recursive: true, force: true });
  }
}

async function lstatOrNull(path: string): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}
