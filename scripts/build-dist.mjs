#!/usr/bin/env node
// Builds dist/ without ever rewriting a file that a running gantry may be loading (`npm run build`, `prepare`,
// `prestart`). Each build goes to a fresh directory, .builds/<hash of the inputs>, and `dist` is a symlink to
// the current one, replaced by renaming a new symlink over it: a rename is atomic, so a process starting
// meanwhile sees the old build or the new one, never half of each. Node resolves the symlink to the real
// path, so a process keeps importing from the build it started with. When dist already points at the build
// of the current inputs, nothing is done. Starts that race build once: the others wait on a lock.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DIST = join(ROOT, "dist");
const BUILDS = join(ROOT, ".builds");
/** What the compiled output depends on. */
const INPUTS = ["src", "tsconfig.json", "tsconfig.build.json", "package.json"];
/**
 * A replaced build is kept this long: a process that resolved `dist` just before the swap is still loading
 * its modules from it. Once started, a process needs nothing more from its build (src has no lazy imports).
 */
const KEEP_REPLACED_MS = 10 * 60_000;
/** A lock older than this is taken for abandoned even if its pid lives (a pid reused after a crash). */
const LOCK_STALE_MS = 10 * 60_000;
const POLL_MS = 200;

const require = createRequire(import.meta.url);
const TSC = require.resolve("typescript/bin/tsc");

const id = hashInputs();
const build = join(BUILDS, id);
if (currentTarget() !== build || !fs.existsSync(build)) {
  fs.mkdirSync(BUILDS, { recursive: true });
  if (!fs.existsSync(build)) buildLocked();
  swapDist();
  prune();
}

function hashInputs() {
  const hash = createHash("sha256");
  hash.update(`typescript ${require("typescript/package.json").version}\0`);
  for (const file of INPUTS.flatMap((input) => listFiles(join(ROOT, input))).sort()) {
    hash.update(`${relative(ROOT, file)}\0`).update(fs.readFileSync(file)).update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}

function listFiles(path) {
  if (!fs.statSync(path).isDirectory()) return [path];
  return fs.readdirSync(path).flatMap((name) => listFiles(join(path, name)));
}

function currentTarget() {
  try {
    return resolve(ROOT, fs.readlinkSync(DIST));
  } catch {
    return null; // missing, or a directory of an older gantry
  }
}

function buildLocked() {
  const lock = `${build}.lock`;
  let waiting = false;
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: "wx" });
      break;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
    }
    if (isStale(lock)) fs.rmSync(lock, { force: true });
    else {
      if (!waiting) console.error(`gantry: waiting for the build another start is making (${relative(ROOT, lock)})`);
      waiting = true;
      sleep(POLL_MS);
    }
    if (fs.existsSync(build)) return; // built by the holder of the lock
  }
  try {
    if (!fs.existsSync(build)) compile();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

function compile() {
  const started = Date.now();
  const out = `${build}.tmp-${process.pid}`;
  fs.rmSync(out, { recursive: true, force: true });
  const result = spawnSync(process.execPath, [TSC, "-p", join(ROOT, "tsconfig.build.json"), "--outDir", out], { stdio: "inherit" });
  if (result.status !== 0) {
    // a build with type errors never replaces a good one
    fs.rmSync(out, { recursive: true, force: true });
    console.error(`gantry: build failed (tsc exited with ${result.status ?? result.signal}); dist/ left as it was`);
    process.exit(1);
  }
  try {
    fs.renameSync(out, build);
  } catch (error) {
    // built meanwhile by a start that took over a lock it found abandoned: the same inputs, the same output
    if (error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error;
    fs.rmSync(out, { recursive: true, force: true });
  }
  console.error(`gantry: built ${relative(ROOT, build)} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

function swapDist() {
  const replaced = currentTarget();
  // touched, so that prune() by a concurrent build keeps them: the new one, and the old one for a while yet
  fs.utimesSync(build, new Date(), new Date());
  if (replaced && replaced !== build && fs.existsSync(replaced)) fs.utimesSync(replaced, new Date(), new Date());
  const link = `${DIST}.tmp-${process.pid}`;
  fs.rmSync(link, { force: true });
  fs.symlinkSync(relative(ROOT, build), link, "junction");
  const stat = lstatOrNull(DIST);
  if (stat?.isDirectory() && !stat.isSymbolicLink()) {
    // dist/ of an older gantry, built in place: moved aside, once (a rename cannot replace a directory)
    const aside = join(BUILDS, `legacy-${Date.now()}-${process.pid}`);
    if (renameIfPresent(DIST, aside)) fs.utimesSync(aside, new Date(), new Date());
  }
  fs.renameSync(link, DIST);
}

function prune() {
  const current = currentTarget();
  for (const name of fs.readdirSync(BUILDS)) {
    const path = join(BUILDS, name);
    if (path === current || name.endsWith(".lock")) continue;
    const stat = lstatOrNull(path);
    if (!stat) continue;
    const pid = /\.tmp-(\d+)$/.exec(name)?.[1];
    if (pid !== undefined && isAlive(Number(pid))) continue;
    if (Date.now() - stat.mtimeMs > KEEP_REPLACED_MS) fs.rmSync(path, { recursive: true, force: true });
  }
}

function isStale(lock) {
  let pid;
  let age;
  try {
    age = Date.now() - fs.lstatSync(lock).mtimeMs;
    pid = fs.readFileSync(lock, "utf8");
  } catch {
    return false; // released meanwhile
  }
  // an empty lock is one being written right now
  if (pid === "") return age > 5_000;
  return !isAlive(Number(pid)) || age > LOCK_STALE_MS;
}

function isAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}

function lstatOrNull(path) {
  try {
    return fs.lstatSync(path);
  } catch {
    return null;
  }
}

function renameIfPresent(from, to) {
  try {
    fs.renameSync(from, to);
    return true;
  } catch (error) {
    if (error.code !== "ENOENT") throw error;
    return false;
  }
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
