import { appendFileSync, existsSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LINE_INDEX_EVERY, MAX_ANNOTATIONS, type LogScan } from "../../../src/runs/log-scan.js";
import { lineIndexPath, logPath, scanPath } from "../../../src/runs/log-path.js";
import { LogFile } from "../../../src/worker/execution/log-file.js";
import { startLogScan, type LogScanner } from "../../../src/worker/scanning/start-log-scan.js";
import { lineProcessor } from "../../helpers/line-processor.js";

let dataDir: string;
let log: LogFile;
let scanner: LogScanner | null;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "gantry-scan-"));
  log = new LogFile(logPath(dataDir, "run-1", 1));
  scanner = null;
});
afterEach(async () => {
  await scanner?.finish().catch(() => {});
  log.close();
  await rm(dataDir, { recursive: true, force: true });
});

function start(processor = lineProcessor()) {
  scanner = startLogScan({
    runId: "run-1",
    attempt: 1,
    logPath: log.path,
    scanPath: scanPath(dataDir, "run-1", 1),
    lineIndexPath: lineIndexPath(dataDir, "run-1", 1),
    processor,
    intervalMs: 20,
  });
  return { scanner, processor };
}

const readScan = (): LogScan | null => (existsSync(scanPath(dataDir, "run-1", 1)) ? (JSON.parse(readFileSync(scanPath(dataDir, "run-1", 1), "utf8")) as LogScan) : null);

async function until<T>(probe: () => T | null | undefined | false, ms = 5_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Header line of a step, as executePipeline writes it, and the scanner told at once. */
function header(scan: LogScanner, index: number, name: string): number {
  const text = `==> ${name}\n`;
  log.write(`${index === 0 ? "" : "\n"}${text}`);
  const at = log.size() - Buffer.byteLength(text);
  scan.stepStarted({ index, name, headerByte: at });
  return at;
}

describe("startLogScan", () => {
  it("follows a growing log, publishing up to its last whole line only, by temp file and rename", async () => {
    const { scanner } = start();
    log.write("one\ntwo\nthr");
    const first = await until(() => readScan()?.bytes === 8 && readScan());
    expect(first).toMatchObject({ runId: "run-1", attempt: 1, bytes: 8, lines: 2, complete: false });
    const inode = statSync(scanPath(dataDir, "run-1", 1)).ino;
    log.write("ee\nfour");
    const second = await until(() => readScan()?.bytes === 14 && readScan());
    expect(second.lines).toBe(3);
    // a new file each time: a reader holding the old one never sees it change under it
    expect(statSync(scanPath(dataDir, "run-1", 1)).ino).not.toBe(inode);
    expect(existsSync(`${scanPath(dataDir, "run-1", 1)}.tmp`)).toBe(false);
    const result = await scanner.finish();
    expect(result).toEqual({ annotations: [], omittedAnnotations: 0, masks: [] });
    expect(readScan()).toMatchObject({ bytes: 18, lines: 4, complete: true });
  });

  it("never publishes a half-written scan, past the file's bytes or past what it masked, while a step prints fast", async () => {
    start();
    log.write("::add-mask::tops3cret\n");
    const lines = Array.from({ length: 200 }, (_, i) => `::error file=f${i}.ts,line=${i + 1}::message tops3cret ${"x".repeat(i)}\n`).join("");
    const seen: number[] = [];
    // 40 rounds of writing, then reading on until the scanner (a 200 ms tick) published twice: on a loaded
    // machine the writing may be over before its second tick
    const deadline = Date.now() + 10_000;
    for (let round = 0; round < 40 || (new Set(seen).size < 2 && Date.now() < deadline); round++) {
      if (round < 40) log.write(lines);
      const text = existsSync(scanPath(dataDir, "run-1", 1)) ? readFileSync(scanPath(dataDir, "run-1", 1), "utf8") : null;
      if (text !== null) {
        const scan = JSON.parse(text) as LogScan; // throws on half a file
        expect(scan.bytes).toBeLessThanOrEqual(log.size());
        const published = readFileSync(log.path).subarray(0, scan.bytes).toString();
        if (scan.bytes > 0) expect(published.at(-1)).toBe("\n");
        expect(published).not.toContain("tops3cret");
        // nor in what it read out of those lines
        expect(text).not.toContain("tops3cret");
        seen.push(scan.bytes);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(new Set(seen).size).toBeGreaterThan(1);
  });

  it("appends the byte offset of lines 1, 1 + 1024, … to the line index as little-endian 64-bit numbers", async () => {
    const { scanner } = start();
    const starts: number[] = [];
    let at = 0;
    for (let i = 0; i < 3_500; i++) {
      const line = `line ${i + 1} ${"é".repeat(i % 7)}\n`;
      if (i % LINE_INDEX_EVERY === 0) starts.push(at);
      log.write(line);
      at += Buffer.byteLength(line);
    }
    await scanner.finish();
    const index = readFileSync(lineIndexPath(dataDir, "run-1", 1));
    expect(index.length).toBe(8 * 4);
    expect([0, 1, 2, 3].map((i) => Number(index.readBigUInt64LE(8 * i)))).toEqual(starts);
    const bytes = readFileSync(log.path);
    for (const [i, start] of starts.entries()) expect(bytes.toString("utf8", start, start + 12)).toMatch(new RegExp(`^line ${i * LINE_INDEX_EVERY + 1} `));
  });

  it("gives each step its exact lines, also when a step's output ends without a newline", async () => {
    const { scanner, processor } = start();
    header(scanner, 0, "Checkout");
    log.write("abc\n");
    scanner.stepEnded({ index: 0, conclusion: "success", durationMs: 5 });
    header(scanner, 1, "Build");
    log.write("no newline at the end");
    scanner.stepEnded({ index: 1, conclusion: "success", durationMs: 7 });
    const two = header(scanner, 2, "Test");
    log.write("::group::Tests\nok\n::endgroup::\ndone\n");
    scanner.stepEnded({ index: 2, conclusion: "failure", durationMs: 9 });
    log.write("\n==> Test: exited with code 1\n");
    await scanner.finish();
    const scan = readScan()!;
    const text = readFileSync(log.path, "utf8").split("\n");
    expect(text[scan.steps[1]!.startLine - 1]).toBe("==> Build");
    expect(text[scan.steps[1]!.endLine! - 1]).toBe("no newline at the end");
    expect(scan.steps).toEqual([
      { index: 0, name: "Checkout", startLine: 1, startByte: 0, endLine: 3, endByte: 18, conclusion: "success", durationMs: 5 },
      { index: 1, name: "Build", startLine: 4, startByte: 18, endLine: 5, endByte: two, conclusion: "success", durationMs: 7 },
      { index: 2, name: "Test", startLine: 6, startByte: two, endLine: 12, endByte: log.size(), conclusion: "failure", durationMs: 9 },
    ]);
    expect(scan.groups).toEqual([{ title: "Tests", startLine: 7, endLine: 9 }]);
    // the processor was told of each step with every byte before its header read, and none after
    expect(processor.stepsStarted).toEqual([
      { index: 0, lines: 0, completedBytes: 0 },
      { index: 1, lines: 3, completedBytes: 18 },
      { index: 2, lines: 5, completedBytes: two },
    ]);
  });

  it("overwrites ::add-mask:: values in the file before it publishes the bytes that hold them", async () => {
    const { scanner } = start();
    log.write("::add-mask::s3cret-value\n");
    await until(() => readScan()?.bytes === 25);
    expect(readFileSync(log.path, "utf8")).toBe("::add-mask::************\n");
    log.write("here: s3cret-value, twice s3cret-value\n");
    const scan = await until(() => (readScan()?.bytes ?? 0) > 25 && readScan());
    expect(readFileSync(log.path, "utf8").slice(0, scan.bytes)).toBe("::add-mask::************\nhere: ************, twice ************\n");
    expect((await scanner.finish()).masks).toEqual(["s3cret-value"]);
  });

  it("keeps identical annotations once, at most MAX_ANNOTATIONS, and counts the distinct rest", async () => {
    const { scanner } = start();
    for (let i = 0; i < MAX_ANNOTATIONS + 5; i++) log.write(`::warning file=a.ts,line=${i + 1}::w\n::warning file=a.ts,line=${i + 1}::w\n`);
    log.write("::error file=b.ts,line=1::first error\n");
    const result = await scanner.finish();
    expect(result.annotations).toHaveLength(MAX_ANNOTATIONS);
    expect(result.annotations.map((a) => a.line)).toEqual(Array.from({ length: MAX_ANNOTATIONS }, (_, i) => i + 1));
    expect(result.omittedAnnotations).toBe(6);
    expect(readScan()).toMatchObject({ omittedAnnotations: 6, firstErrorLine: 2 * (MAX_ANNOTATIONS + 5) + 1 });
  });

  it("marks annotations on paths that are not files of the commit, once it is given the commit's files", async () => {
    const { scanner } = start();
    scanner.repositoryFiles({ paths: new Set(["src/a.ts", "README.md"]), complete: true });
    log.write("::error file=src/a.ts,line=3::in it\n::error file=./README.md,line=1::also\n::error file=/etc/passwd,line=1::not\n::error::no file\n");
    const { annotations } = await scanner.finish();
    expect(annotations.map((a) => [a.path, a.inRepository])).toEqual([
      ["src/a.ts", undefined],
      ["./README.md", undefined],
      ["/etc/passwd", false],
      ["", false],
    ]);
  });

  it("says nothing of paths past a file list that was cut", async () => {
    const { scanner } = start();
    scanner.repositoryFiles({ paths: new Set(["a"]), complete: false });
    log.write("::error file=b,line=3::maybe there\n");
    expect((await scanner.finish()).annotations[0]!.inRepository).toBeUndefined();
  });

  it("reads bytes appended after it was last told, to the end, when finished", async () => {
    const { scanner } = start();
    appendFileSync(log.path, "a\nb\nc");
    await scanner.finish();
    expect(readScan()).toMatchObject({ bytes: 5, lines: 3, complete: true });
  });
});

describe("startLogScan, when its processor throws", () => {
  it("stops scanning, holds no step up, and says why when finished", async () => {
    const broken = lineProcessor();
    broken.push = () => {
      throw new Error("processor broke");
    };
    const { scanner } = start(broken);
    header(scanner, 0, "Checkout");
    log.write("output\n");
    await scanner.caughtUp();
    await new Promise((r) => setTimeout(r, 60)); // ticks run after the failure, and do nothing
    await expect(scanner.finish()).rejects.toThrow("processor broke");
    // what was published before stays, and nothing past it: readers show no byte it did not mask
    expect(readScan()).toMatchObject({ bytes: 0, complete: false });
  });
});
