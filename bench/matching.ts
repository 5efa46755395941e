import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { LINE_INDEX_EVERY } from "../src/runs/log-scan.js";
import { compileMatchers } from "../src/worker/scanning/compile-matchers.js";
import { createProblemMatcher } from "../src/worker/scanning/create-problem-matcher.js";
import { baseEnv, runTracked, spawnTracked } from "./processes.js";
import { summarize, type Summary } from "./stats.js";

export interface MatchingOptions {
  scratch: string;
  iterations: number;
  /** Bytes the step prints: a whole number of 16 MiB blocks (default 1 GiB). */
  bytes: number;
}

export interface MatchingSample {
  iteration: number;
  shellMs: number;
  /** From the step's start to the scanner's finish (the log read to its end), timed inside the node process. */
  scannedMs: number;
  /** Of that, until the step exited: the rest is the scanner catching up. */
  stepMs: number;
  /** The same, timed from outside: node's start-up and module loading included. */
  processMs: number;
  hwmBytes: number;
  cpuMs: number;
  annotations: number;
  omittedAnnotations: number;
  /** The scan covers the whole log, with its line count and index entries as the block says. */
  scanRight: boolean;
  /** The same run with a processor that only finds line ends: the scanner's own cost. */
  floorMs: number;
  floorHwmBytes: number;
}

export interface MatchingResult {
  processor: string;
  blockLines: number;
  /** Lines per block that a matcher or a workflow command reports. */
  blockFindings: number;
  /** Lines per block holding a built-in's trigger, whose regexps the processor runs. */
  blockCandidates: number;
  /** Lines per block holding "error" or "warning" (any case). */
  blockWordLines: number;
  samples: MatchingSample[];
  shell: Summary;
  scanned: Summary;
  ratio: Summary;
  catchUp: Summary;
  hwm: Summary;
  cpu: Summary;
  floor: Summary;
  floorRatio: Summary;
  floorHwm: Summary;
  allScansRight: boolean;
}

const BLOCK = 16 * 2 ** 20;
const WORDS =
  "the a of to build test npm install compile error warning info debug ok done failed passed skipped node_modules src/index.ts " +
  "dist/main.js 127.0.0.1 GET POST 200 404 500 ms MiB webpack tsc vitest eslint --fix Downloading Resolving Linking packages " +
  "0 errors 2 warnings deprecated warning: error: Error: TypeError at Object.<anonymous> (/work/src/app.ts:12:5)";

/**
 * Benchmark 8: a step printing 1 GiB of build-log text, with lines that the problem matchers and workflow commands
 * report now and then (tsc, ESLint, gcc, `::warning`, `::group::`), through gantry's path: the child writes to the
 * log's descriptor and the scanner follows the file, in a node process of its own. Beside it, the shell writing the
 * same bytes to a file with the same producer (dd, 64 KiB writes): the same work, without the scan.
 */
export async function benchMatching(options: MatchingOptions, log: (line: string) => void): Promise<MatchingResult> {
  const blocks = Math.max(1, Math.round(options.bytes / BLOCK));
  const { text: block, lines: blockLines, findings } = matchingText();
  const blockPath = join(options.scratch, "matching-block.txt");
  writeFileSync(blockPath, block);
  const { candidates, wordLines } = candidateLines(block);
  log(
    `  matching: ${blockLines} lines per 16 MiB block, ${findings} of them matched or commands, ${candidates} holding a built-in's trigger ` +
      `(${candidates * 64} per GiB), ${wordLines} holding "error" or "warning"; ${blocks} block(s)`,
  );
  const producer = `i=0; while [ $i -lt ${blocks} ]; do dd if=${blockPath} bs=64k status=none; i=$((i+1)); done`;
  const expectedLines = 1 + blocks * blockLines;

  const shellRun = async (): Promise<number> => {
    const out = join(options.scratch, "matching-shell.out");
    const started = performance.now();
    const code = await runTracked("matching-shell", "sh", ["-c", `{ ${producer}; } > ${out}`], { cwd: options.scratch, logPath: join(options.scratch, "matching-shell.log"), env: baseEnv() });
    const elapsed = performance.now() - started;
    if (code !== 0 || statSync(out).size !== blocks * BLOCK) throw new Error(`the shell baseline failed (exit ${code})`);
    rmSync(out, { force: true });
    return elapsed;
  };
  const scannedRun = async (floor = false): Promise<Omit<MatchingSample, "iteration" | "shellMs" | "floorMs" | "floorHwmBytes"> & { processor: string }> => {
    const dataDir = join(options.scratch, "matching-data");
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
    const outPath = join(options.scratch, "matching-child.out");
    rmSync(outPath, { force: true });
    const started = performance.now();
    const child = spawnTracked("matching-child", process.execPath, [join(dirname(fileURLToPath(import.meta.url)), "match-child.js"), dataDir], {
      cwd: options.scratch,
      logPath: outPath,
      env: { ...baseEnv(), MATCH_BENCH: JSON.stringify({ command: producer, floor }) },
    });
    await child.exited;
    const processMs = performance.now() - started;
    const line = child.output().trim().split("\n").at(-1) ?? "";
    if (child.child.exitCode !== 0 || !line.startsWith("{")) throw new Error(`the matching child failed:\n${child.output().slice(-2000)}`);
    const report = JSON.parse(line) as {
      processor: string;
      ms: number;
      stepMs: number;
      exitCode: number;
      logBytes: number;
      scannedBytes: number;
      lines: number;
      complete: boolean;
      indexEntries: number;
      annotations: number;
      omittedAnnotations: number;
      hwmBytes: number;
      cpuMs: number;
    };
    rmSync(dataDir, { recursive: true, force: true });
    const header = "==> Print\n".length;
    const scanRight =
      report.exitCode === 0 &&
      report.complete &&
      report.logBytes === header + blocks * BLOCK &&
      report.scannedBytes === report.logBytes &&
      (floor || (report.lines === expectedLines && report.indexEntries === Math.ceil(expectedLines / LINE_INDEX_EVERY)));
    return {
      processor: report.processor,
      scannedMs: report.ms,
      stepMs: report.stepMs,
      processMs,
      hwmBytes: report.hwmBytes,
      cpuMs: report.cpuMs,
      annotations: report.annotations,
      omittedAnnotations: report.omittedAnnotations,
      scanRight,
    };
  };

  const samples: MatchingSample[] = [];
  let processor = "";
  try {
    for (let i = 0; i < options.iterations; i++) {
      // alternate which goes first: a 1 GiB write is at the mercy of the page cache and of the other tenants
      const first = i % 2 === 0 ? await shellRun() : Number.NaN;
      const { processor: used, ...scanned } = await scannedRun();
      processor = used;
      const shellMs = Number.isNaN(first) ? await shellRun() : first;
      const floor = await scannedRun(true);
      if (!floor.scanRight) throw new Error("the scan with the line-ends processor did not cover the log");
      samples.push({ iteration: i, shellMs, ...scanned, floorMs: floor.scannedMs, floorHwmBytes: floor.hwmBytes });
      log(
        `  matching #${i + 1}: shell ${shellMs.toFixed(0)} ms, scanned ${scanned.scannedMs.toFixed(0)} ms (step ${scanned.stepMs.toFixed(0)} ms, process ${scanned.processMs.toFixed(0)} ms, CPU ${scanned.cpuMs.toFixed(0)} ms), ` +
          `peak RSS ${(scanned.hwmBytes / 1e6).toFixed(0)} MB, ${scanned.annotations} annotations + ${scanned.omittedAnnotations} omitted, scan right: ${scanned.scanRight}; ` +
          `line ends only ${floor.scannedMs.toFixed(0)} ms, peak RSS ${(floor.hwmBytes / 1e6).toFixed(0)} MB`,
      );
    }
  } finally {
    rmSync(blockPath, { force: true });
  }
  log(`  processor: ${processor}`);
  return {
    processor,
    blockLines,
    blockFindings: findings,
    blockCandidates: candidates,
    blockWordLines: wordLines,
    samples,
    shell: summarize(samples.map((s) => s.shellMs)),
    scanned: summarize(samples.map((s) => s.scannedMs)),
    ratio: summarize(samples.map((s) => s.scannedMs / s.shellMs)),
    catchUp: summarize(samples.map((s) => s.scannedMs - s.stepMs)),
    hwm: summarize(samples.map((s) => s.hwmBytes)),
    cpu: summarize(samples.map((s) => s.cpuMs)),
    floor: summarize(samples.map((s) => s.floorMs)),
    floorRatio: summarize(samples.map((s) => s.floorMs / s.shellMs)),
    floorHwm: summarize(samples.map((s) => s.floorHwmBytes)),
    allScansRight: samples.every((s) => s.scanRight),
  };
}

/**
 * 16 MiB of build-log lines, ending with a newline; every 250th line is one a matcher or a workflow command reports
 * (tsc, tsc --pretty, ESLint stylish, gcc, `::warning`, a `::group::`/`::endgroup::` pair), on a few hundred
 * distinct places so that deduplication and the cap both work.
 */
export function matchingText(): { text: Buffer; lines: number; findings: number } {
  const words = WORDS.split(" ");
  const parts: string[] = [];
  let size = 0;
  let findings = 0;
  let n = 0;
  for (; size < BLOCK - 1000; n++) {
    let line: string;
    if (n % 250 === 249) {
      const place = findings % 400;
      const forms = [
        `src/module${place}.ts(${place + 1},5): error TS2322: Type 'string' is not assignable to type 'number'.`,
        `src/module${place}.ts:${place + 1}:7 - error TS2304: Cannot find name 'foo'.`,
        `  ${place + 1}:10  error  'x' is assigned a value but never used  no-unused-vars`,
        `lib/file${place}.c:${place + 1}:3: warning: unused variable 'tmp' [-Wunused-variable]`,
        `::warning file=src/module${place}.ts,line=${place + 1}::deprecated call`,
        `::group::Test suite ${place}`,
        `::endgroup::`,
      ];
      line = forms[findings % forms.length]!;
      findings++;
    } else {
      const count = 4 + Math.floor(Math.random() * 12);
      line = `[${String(n).padStart(8, "0")}] ` + Array.from({ length: count }, () => words[Math.floor(Math.random() * words.length)]).join(" ");
    }
    parts.push(line);
    size += Buffer.byteLength(line) + 1;
  }
  // the last line fills the block exactly, so that every block ends at a line end
  const fill = BLOCK - size - 1;
  parts.push("x".repeat(fill));
  const text = Buffer.from(parts.join("\n") + "\n");
  if (text.length !== BLOCK) throw new Error(`matching block is ${text.length} bytes`);
  return { text, lines: n + 1, findings };
}

/** Lines of `block` holding a trigger of a built-in matcher (the candidates), and lines holding "error" or "warning". */
function candidateLines(block: Buffer): { candidates: number; wordLines: number } {
  const { starts } = createProblemMatcher(compileMatchers(undefined)).findTriggers(block);
  let candidates = 0;
  let wordLines = 0;
  let hit = 0;
  let position = 0;
  while (position < block.length) {
    const end = block.indexOf(0x0a, position);
    let found = false;
    for (; hit < starts.length && starts[hit]! < end; hit++) if (starts[hit]! >= position) found = true;
    if (found) candidates++;
    if (/error|warning/i.test(block.toString("latin1", position, end))) wordLines++;
    position = end + 1;
  }
  return { candidates, wordLines };
}
