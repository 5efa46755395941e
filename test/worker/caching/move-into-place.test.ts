import { existsSync, statSync } from "node:fs";
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { moveIntoPlace } from "../../../src/worker/caching/move-into-place.js";

/** A tmpfs: a rename from it to another file system fails with EXDEV, which is what the copy is for. */
const SHM = "/dev/shm";
/** os.tmpdir(), or the checkout the tests run in when that is a tmpfs too: the first not on SHM's file system. */
const target = existsSync(SHM) ? [tmpdir(), process.cwd()].find((dir) => statSync(dir).dev !== statSync(SHM).dev) : undefined;
const apart = target !== undefined;
const MTIME = new Date("2020-01-02T03:04:05Z");

let made: string[] = [];
afterEach(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
  made = [];
});

async function scratch(parent: string): Promise<string> {
  const dir = await mkdtemp(join(parent, "gantry-move-"));
  made.push(dir);
  return dir;
}

/** Files of three modes, two levels of folders, and links (relative, to a folder, to /etc) that must stay links. */
async function writeTree(from: string): Promise<void> {
  await mkdir(join(from, "nested", "deeper"), { recursive: true });
  await writeFile(join(from, "top.txt"), "top\n");
  await writeFile(join(from, "run.sh"), "#!/bin/sh\necho hi\n");
  await writeFile(join(from, "nested", "deeper", "leaf.txt"), "leaf\n");
  await chmod(join(from, "top.txt"), 0o640);
  await chmod(join(from, "run.sh"), 0o755);
  await chmod(join(from, "nested", "deeper", "leaf.txt"), 0o600);
  await chmod(join(from, "nested"), 0o750);
  await utimes(join(from, "nested", "deeper", "leaf.txt"), MTIME, MTIME);
  await symlink("nested/deeper/leaf.txt", join(from, "leaf-link"));
  await symlink("nested", join(from, "folder-link"));
  await symlink("/etc", join(from, "nested", "etc-link"));
}

async function expectTree(to: string): Promise<void> {
  expect(await readFile(join(to, "top.txt"), "utf8")).toBe("top\n");
  expect(await readFile(join(to, "run.sh"), "utf8")).toBe("#!/bin/sh\necho hi\n");
  expect(await readFile(join(to, "nested", "deeper", "leaf.txt"), "utf8")).toBe("leaf\n");
  const mode = async (path: string) => (await lstat(join(to, path))).mode & 0o777;
  expect(await mode("top.txt")).toBe(0o640);
  expect(await mode("run.sh")).toBe(0o755);
  expect(await mode("nested/deeper/leaf.txt")).toBe(0o600);
  expect((await stat(join(to, "nested", "deeper", "leaf.txt"))).mtime.getTime()).toBe(MTIME.getTime());
  for (const [path, target] of [["leaf-link", "nested/deeper/leaf.txt"], ["folder-link", "nested"], ["nested/etc-link", "/etc"]] as const) {
    expect((await lstat(join(to, path))).isSymbolicLink(), path).toBe(true);
    expect(await readlink(join(to, path))).toBe(target);
  }
}

/** Every file and link below `dir` (folders themselves not counted). */
async function filesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => !entry.isDirectory()).map((entry) => join(entry.parentPath, entry.name));
}

// the reason shows in the skipped tests' names: a machine whose /tmp is a tmpfs too cannot make a rename fail
const skipped = apart ? "" : ` (skipped: ${SHM} is missing, or ${tmpdir()} and ${process.cwd()} are on its file system, so no rename fails with EXDEV)`;

describe(`moveIntoPlace across file systems${skipped}`, () => {
  it.skipIf(!apart)(`copies a tree from ${SHM} into ${target} (another file system), links as links, modes kept, and empties the source`, async () => {
    const from = join(await scratch(SHM), "from");
    const to = await scratch(target!);
    await mkdir(from);
    await writeTree(from);

    await moveIntoPlace(from, to);

    await expectTree(to);
    expect((await lstat(join(to, "nested"))).mode & 0o777).toBe(0o750);
    expect(await readdir(from)).toEqual([]);
  });

  it.skipIf(!apart)("merges into folders already there and replaces what is in the way, leaving no file in the source", async () => {
    const from = join(await scratch(SHM), "from");
    const to = await scratch(target!);
    await mkdir(from);
    await writeTree(from);
    // a real folder on both sides is merged (its own files kept); a file and a link in the way are replaced
    await mkdir(join(to, "nested", "deeper"), { recursive: true });
    await writeFile(join(to, "nested", "deeper", "kept.txt"), "kept\n");
    await writeFile(join(to, "nested", "deeper", "leaf.txt"), "old leaf\n");
    await symlink("/tmp", join(to, "top.txt"));

    await moveIntoPlace(from, to);

    await expectTree(to);
    expect(await readFile(join(to, "nested", "deeper", "kept.txt"), "utf8")).toBe("kept\n");
    // the merged folders stay behind, empty; the caller removes its staging folder whole
    expect(await filesBelow(from)).toEqual([]);
  });
});
