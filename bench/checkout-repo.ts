import { execFile, spawn } from "node:child_process";
import { createCipheriv, createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface CheckoutRepoShape {
  files: number;
  /** Bytes of the tip's tree, about (text and binaries together). */
  bytes: number;
  /** Share of `bytes` in binaries (random, incompressible). */
  binaryShare: number;
  commits: number;
  seed: number;
}

export interface CheckoutRepo {
  /** A bare repository, fully packed (`git repack -a -d -f`), `refs/heads/main` at the tip. */
  bareDir: string;
  /** The tip's tree checked out without `.git`: what `cp -r` copies. */
  treeDir: string;
  tip: string;
  /** Files and bytes of the tip's tree, as generated. */
  files: number;
  bytes: number;
  packBytes: number;
  /** Whether this call generated it (false: found in the cache). */
  generated: boolean;
  generateMs: number;
}

export const CHECKOUT_REPO_SHAPE: CheckoutRepoShape = { files: 10_000, bytes: 100 * 2 ** 20, binaryShare: 0.35, commits: 200, seed: 11 };

/**
 * The checkout benchmark's repository, generated once per shape and kept under `cacheDir` (it takes tens of
 * seconds: the pack is repacked with deltas as a hosted repository's would be). Content is from a seeded
 * PRNG: source-like text (identifiers, keywords, indentation; compresses about as real code does) and binaries
 * (AES-CTR keystream: incompressible). Commit 1 holds every file; each later commit edits a few text files.
 */
export async function generateCheckoutRepo(cacheDir: string, shape: CheckoutRepoShape = CHECKOUT_REPO_SHAPE): Promise<CheckoutRepo> {
  const key = createHash("sha256").update(JSON.stringify({ ...shape, version: 1 })).digest("hex").slice(0, 12);
  const dir = join(cacheDir, `checkout-repo-${key}`);
  const manifest = join(dir, "manifest.json");
  if (existsSync(manifest)) return { ...(JSON.parse(readFileSync(manifest, "utf8")) as Omit<CheckoutRepo, "generated">), generated: false };
  const started = performance.now();
  const building = `${dir}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  const bareDir = join(building, "repo.git");
  const env = {
    PATH: process.env["PATH"] ?? "/usr/bin:/bin",
    HOME: building,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_AUTHOR_NAME: "Bench",
    GIT_AUTHOR_EMAIL: "bench@example.invalid",
    GIT_COMMITTER_NAME: "Bench",
    GIT_COMMITTER_EMAIL: "bench@example.invalid",
  };
  await run("git", ["init", "--quiet", "--bare", "--template=", "-b", "main", bareDir], { env });
  const { files, bytes } = await fastImport(bareDir, shape, env);
  await run("git", ["-C", bareDir, "repack", "-a", "-d", "-f", "-q", "--window=10", "--depth=50"], { env, maxBuffer: 1 << 24 });
  await run("git", ["-C", bareDir, "prune-packed"], { env });
  const tip = (await run("git", ["-C", bareDir, "rev-parse", "refs/heads/main"], { env })).stdout.trim();
  const treeDir = join(building, "tree");
  mkdirSync(treeDir);
  await run("sh", ["-c", `git -C "$1" archive --format=tar "$2" | tar -x -C "$3"`, "sh", bareDir, tip, treeDir], { env });
  const { stdout } = await run("sh", ["-c", `du -cb "$1"/objects/pack/*.pack | tail -1 | cut -f1`, "sh", bareDir], { env });
  rmSync(dir, { recursive: true, force: true });
  renameSync(building, dir);
  const repo = { bareDir: join(dir, "repo.git"), treeDir: join(dir, "tree"), tip, files, bytes, packBytes: Number(stdout.trim()), generateMs: performance.now() - started };
  writeFileSync(manifest, JSON.stringify(repo, null, 2) + "\n");
  return { ...repo, generated: true };
}

/** A fast-import stream of the whole history, written straight into the bare repository. */
async function fastImport(bareDir: string, shape: CheckoutRepoShape, env: Record<string, string>): Promise<{ files: number; bytes: number }> {
  const random = mulberry32(shape.seed);
  const binaries = Math.round(shape.files * 0.06);
  const texts = shape.files - binaries;
  // log-normal sizes, then scaled to the byte budget: many small files, a few large ones, as in a real tree
  const weights = (n: number, sigma: number) => Array.from({ length: n }, () => Math.exp(sigma * gaussian(random)));
  const scale = (w: number[], total: number) => {
    const sum = w.reduce((a, b) => a + b, 0);
    return w.map((x) => Math.max(16, Math.round((x / sum) * total)));
  };
  const textSizes = scale(weights(texts, 1.1), shape.bytes * (1 - shape.binaryShare));
  const binarySizes = scale(weights(binaries, 1.3), shape.bytes * shape.binaryShare);
  const paths: string[] = [];
  const textExt = [".ts", ".ts", ".c", ".h", ".py", ".go", ".md", ".json"];
  for (let i = 0; i < texts; i++) paths.push(`src/m${i % 40}/s${Math.floor(i / 40) % 12}/f${i}${textExt[i % textExt.length]}`);
  for (let i = 0; i < binaries; i++) paths.push(`assets/a${i % 20}/b${i}${i % 3 === 0 ? ".png" : ".bin"}`);

  const child = spawn("git", ["fast-import", "--quiet", "--done"], { cwd: bareDir, env: { ...env, GIT_DIR: bareDir }, stdio: ["pipe", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  const write = (chunk: string | Buffer) => (child.stdin.write(chunk) ? Promise.resolve() : new Promise<void>((resolve) => child.stdin.once("drain", () => resolve())));
  const blob = async (mark: number, data: Buffer) => {
    await write(`blob\nmark :${mark}\ndata ${data.length}\n`);
    await write(data);
    await write("\n");
  };
  const contents: Buffer[] = [];
  let mark = 1;
  for (let i = 0; i < texts; i++) contents.push(sourceText(random, textSizes[i]!));
  for (let i = 0; i < binaries; i++) contents.push(keystream(shape.seed, i, binarySizes[i]!));
  const marks: number[] = [];
  for (const data of contents) {
    marks.push(mark);
    await blob(mark++, data);
  }
  let time = 1_700_000_000;
  const commit = async (message: string, changes: Array<[number, number]>, first: boolean) => {
    const body = Buffer.from(message);
    await write(`commit refs/heads/main\ncommitter Bench <bench@example.invalid> ${time} +0000\ndata ${body.length}\n${message}\n`);
    time += 3_600;
    if (first) await write("deleteall\n");
    for (const [file, blobMark] of changes) await write(`M 100644 :${blobMark} ${paths[file]}\n`);
    await write("\n");
  };
  await commit("Initial import", marks.map((m, i) => [i, m]), true);
  for (let c = 2; c <= shape.commits; c++) {
    const changes: Array<[number, number]> = [];
    for (let k = 0; k < 8; k++) {
      const file = Math.floor(random() * texts);
      // an edit: a block of new lines spliced in somewhere, as a commit's diff would be
      const old = contents[file]!;
      const at = old.indexOf(10, Math.floor(random() * old.length)) + 1;
      contents[file] = Buffer.concat([old.subarray(0, at), sourceText(random, 200 + Math.floor(random() * 1_500)), old.subarray(at)]);
      marks[file] = mark;
      await blob(mark++, contents[file]);
      changes.push([file, marks[file]]);
    }
    await commit(`Change ${c}`, changes, false);
  }
  await write("done\n");
  child.stdin.end();
  const code = await exited;
  if (code !== 0) throw new Error(`git fast-import exited with ${code}: ${stderr.slice(0, 500)}`);
  return { files: contents.length, bytes: contents.reduce((sum, c) => sum + c.length, 0) };
}

const WORDS = (
  "const let function return if else for while import export from class interface type extends new this async await " +
  "try catch throw null undefined true false string number boolean void static struct int char unsigned sizeof def self " +
  "elif None lambda yield package func defer range map make len append error nil options config result value index count " +
  "buffer length offset handler request response server client worker pipeline checkout mirror workspace token commit"
).split(" ");
const PUNCT = ["(", ")", "{", "}", ";", ",", ".", " = ", " + ", " => ", "[", "]", ": ", " && ", " !== "];

/** `size` bytes of source-like text: indented lines of keywords, made-up identifiers, numbers and punctuation. */
function sourceText(random: () => number, size: number): Buffer {
  const parts: string[] = [];
  let length = 0;
  let depth = 0;
  while (length < size) {
    let line = "  ".repeat(depth);
    const tokens = 2 + Math.floor(random() * 9);
    for (let t = 0; t < tokens; t++) {
      const r = random();
      if (r < 0.5) line += WORDS[Math.floor(random() * WORDS.length)]!;
      else if (r < 0.7) line += `${WORDS[Math.floor(random() * WORDS.length)]!}${Math.floor(random() * 10_000).toString(36)}`;
      else if (r < 0.8) line += String(Math.floor(random() * 100_000));
      else line += PUNCT[Math.floor(random() * PUNCT.length)]!;
      line += " ";
    }
    const r = random();
    if (r < 0.15 && depth < 6) depth++;
    else if (r < 0.3 && depth > 0) depth--;
    line += "\n";
    parts.push(line);
    length += line.length;
  }
  return Buffer.from(parts.join("").slice(0, size));
}

/** `size` incompressible bytes, the same for the same seed and index. */
function keystream(seed: number, index: number, size: number): Buffer {
  const key = createHash("sha256").update(`${seed}/${index}`).digest().subarray(0, 16);
  return createCipheriv("aes-128-ctr", key, Buffer.alloc(16)).update(Buffer.alloc(size));
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}
