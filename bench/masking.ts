import { randomBytes } from "node:crypto";
import { closeSync, openSync, readSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createMasker } from "../src/worker/execution/masking/create-masker.js";
import { maskForms } from "../src/worker/execution/masking/mask-forms.js";
import { matcherCandidates } from "./mask-matchers.js";
import { baseEnv, runTracked, spawnTracked } from "./processes.js";
import { summarize, type Summary } from "./stats.js";

export interface MaskingOptions {
  scratch: string;
  iterations: number;
  /** Bytes the step prints: a whole number of 16 MiB blocks (default 1 GiB). */
  bytes: number;
}

export interface MaskingSample {
  iteration: number;
  shellMs: number;
  /** The same producer piped through `cat` into the file: what any pipe costs, with no JavaScript in it. */
  pipeMs: number;
  /** runProcess with the masker, timed inside the child node process (its start-up not included). */
  maskedMs: number;
  /** The same, timed from outside: node's start-up and module loading included. */
  maskedProcessMs: number;
  hwmBytes: number;
  maxRssBytes: number;
  /** CPU time (user + system, its libuv threads included) of the masking node process. */
  cpuMs: number;
  logRight: boolean;
}

export interface MaskingResult {
  secrets: number;
  needles: number;
  occurrences: number;
  /** GiB/s of each search candidate over the same 16 MiB block (no masking, no I/O), median of 9 after a warm-up. */
  matchers: Record<string, number>;
  samples: MaskingSample[];
  shell: Summary;
  pipe: Summary;
  masked: Summary;
  ratio: Summary;
  /** masked ÷ the pipe through cat, per iteration. */
  ratioToPipe: Summary;
  hwm: Summary;
  cpu: Summary;
  allLogsRight: boolean;
}

const BLOCK = 16 * 2 ** 20;
const WORDS =
  "the a of to build test npm install compile error warning info debug ok done failed passed skipped node_modules src/index.ts " +
  "dist/main.js 127.0.0.1 GET POST 200 404 500 ms MiB webpack tsc vitest eslint --fix Downloading Resolving Linking packages";

/**
 * Benchmark 6: a step printing 1 GiB of log text in which 3 secrets occur now and then (plain, base64 at each
 * alignment, JSON-escaped, URL-encoded), run by runProcess with a masker in a node process of its own, beside
 * the shell writing the same bytes to a file. Before that, the search candidates are timed on the same text.
 */
export async function benchMasking(options: MaskingOptions, log: (line: string) => void): Promise<MaskingResult> {
  const blocks = Math.max(1, Math.round(options.bytes / BLOCK));
  const secrets = ["ghp_" + randomBytes(27).toString("base64url").slice(0, 36), 'p@ss/w0rd+?&"=%x', randomBytes(16).toString("hex")];
  const { text: block, occurrences } = logText(secrets);
  const blockPath = join(options.scratch, "masking-block.txt");
  writeFileSync(blockPath, block);
  const maskedBlock = Buffer.from(createMasker(secrets)!.mask(block.toString("utf8")));
  const needles = [...new Set(secrets.flatMap(maskForms))].map((form) => Buffer.from(form));
  log(`  masking: ${secrets.length} secrets, ${needles.length} needles, ${occurrences} occurrences per 16 MiB block, ${blocks} block(s)`);

  const matchers: Record<string, number> = {};
  for (const [name, count] of Object.entries(matcherCandidates(needles))) {
    const times: number[] = [];
    count(block); // warm-up: compiled before it is timed
    for (let round = 0; round < 9; round++) {
      const started = performance.now();
      count(block);
      times.push(performance.now() - started);
    }
    matchers[name] = BLOCK / 2 ** 30 / (summarize(times).median / 1000);
    log(`  search over 16 MiB: ${name}: ${matchers[name].toFixed(2)} GiB/s (${count(block)} matches)`);
  }

  // the shell's loop is the same in both: only where its output goes differs. dd writes what it reads with
  // write(2), 64 KiB at a time, as a program printing its output does; cat would not: with a file as its output,
  // GNU cat has the kernel copy file to file (copy_file_range), which only the baseline could use
  const producer = `i=0; while [ $i -lt ${blocks} ]; do dd if=${blockPath} bs=64k status=none; i=$((i+1)); done`;
  const shellRun = async (through = ""): Promise<number> => {
    const out = join(options.scratch, "masking-shell.out");
    const started = performance.now();
    const code = await runTracked("masking-shell", "sh", ["-c", `{ ${producer}; }${through} > ${out}`], { cwd: options.scratch, logPath: join(options.scratch, "masking-shell.log"), env: baseEnv() });
    const elapsed = performance.now() - started;
    if (code !== 0 || statSync(out).size !== blocks * BLOCK) throw new Error(`the shell baseline failed (exit ${code})`);
    rmSync(out, { force: true });
    return elapsed;
  };
  const maskedRun = async (): Promise<Omit<MaskingSample, "iteration" | "shellMs" | "pipeMs">> => {
    const logPath = join(options.scratch, "masking-step.log");
    const outPath = join(options.scratch, "masking-child.out");
    rmSync(outPath, { force: true });
    const started = performance.now();
    const child = spawnTracked("masking-child", process.execPath, [join(dirname(fileURLToPath(import.meta.url)), "mask-child.js"), logPath], {
      cwd: options.scratch,
      logPath: outPath,
      env: { ...baseEnv(), MASK_BENCH: JSON.stringify({ command: producer, secrets }) },
    });
    await child.exited;
    const maskedProcessMs = performance.now() - started;
    const line = child.output().trim().split("\n").at(-1) ?? "";
    if (child.child.exitCode !== 0 || !line.startsWith("{")) throw new Error(`the masking child failed:\n${child.output().slice(-2000)}`);
    const report = JSON.parse(line) as { ms: number; exitCode: number; hwmBytes: number; maxRssBytes: number; cpuMs: number };
    const logRight = report.exitCode === 0 && statSync(logPath).size === blocks * maskedBlock.length && startsWith(logPath, maskedBlock);
    rmSync(logPath, { force: true });
    return { maskedMs: report.ms, maskedProcessMs, hwmBytes: report.hwmBytes, maxRssBytes: report.maxRssBytes, cpuMs: report.cpuMs, logRight };
  };

  const samples: MaskingSample[] = [];
  try {
    for (let i = 0; i < options.iterations; i++) {
      // alternate which goes first: a 1 GiB write is at the mercy of the page cache and of the other tenants
      const first = i % 2 === 0 ? await shellRun() : Number.NaN;
      const masked = await maskedRun();
      const shellMs = Number.isNaN(first) ? await shellRun() : first;
      const pipeMs = await shellRun(" | cat");
      samples.push({ iteration: i, shellMs, pipeMs, ...masked });
      log(
        `  masking #${i + 1}: shell ${shellMs.toFixed(0)} ms, through a pipe and cat ${pipeMs.toFixed(0)} ms, masked ${masked.maskedMs.toFixed(0)} ms (process ${masked.maskedProcessMs.toFixed(0)} ms, CPU ${masked.cpuMs.toFixed(0)} ms), ` +
          `peak RSS ${(masked.hwmBytes / 1e6).toFixed(0)} MB, log right: ${masked.logRight}`,
      );
    }
  } finally {
    rmSync(blockPath, { force: true });
  }
  return {
    secrets: secrets.length,
    needles: needles.length,
    occurrences: occurrences * blocks,
    matchers,
    samples,
    shell: summarize(samples.map((s) => s.shellMs)),
    pipe: summarize(samples.map((s) => s.pipeMs)),
    masked: summarize(samples.map((s) => s.maskedMs)),
    ratio: summarize(samples.map((s) => s.maskedMs / s.shellMs)),
    ratioToPipe: summarize(samples.map((s) => s.maskedMs / s.pipeMs)),
    hwm: summarize(samples.map((s) => s.hwmBytes)),
    cpu: summarize(samples.map((s) => s.cpuMs)),
    allLogsRight: samples.every((s) => s.logRight),
  };
}

/** 16 MiB of build-log-like lines; every 500th line shows one of the secrets in one of the forms a step could print. */
export function logText(secrets: string[]): { text: Buffer; occurrences: number } {
  const words = WORDS.split(" ");
  const lines: string[] = [];
  let size = 0;
  let occurrences = 0;
  for (let n = 0; size < BLOCK; n++) {
    let line: string;
    if (n % 500 === 499) {
      const secret = secrets[occurrences % secrets.length]!;
      const prefix = randomBytes(occurrences % 3).toString("latin1");
      const forms = [
        `export TOKEN=${secret}`,
        Buffer.from(prefix + secret + "\n", "latin1").toString("base64"),
        `{"password":${JSON.stringify(secret)}}`,
        `GET /login?key=${encodeURIComponent(secret)}&next=/`,
      ];
      line = forms[Math.floor(occurrences / secrets.length) % forms.length]!;
      occurrences++;
    } else {
      const count = 4 + Math.floor(Math.random() * 12);
      line = `[${String(n).padStart(8, "0")}] ` + Array.from({ length: count }, () => words[Math.floor(Math.random() * words.length)]).join(" ");
    }
    lines.push(line);
    size += Buffer.byteLength(line) + 1;
  }
  const text = Buffer.from(lines.join("\n") + "\n");
  // exactly one block; a cut last line is fine, no secret is near the end
  return { text: text.subarray(0, BLOCK), occurrences };
}

function startsWith(path: string, expected: Buffer): boolean {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(expected.length);
    const read = readSync(fd, head, 0, head.length, 0);
    return read === expected.length && head.equals(expected);
  } finally {
    closeSync(fd);
  }
}
