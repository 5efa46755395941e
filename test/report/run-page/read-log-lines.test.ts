import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findLineAtByte } from "../../../src/report/run-page/find-line-at-byte.js";
import { findIndexEntry } from "../../../src/report/run-page/find-index-entry.js";
import { readLogLines } from "../../../src/report/run-page/read-log-lines.js";
import { MAX_LINE_BYTES, SEARCH_TIME_MS } from "../../../src/report/run-page/run-page-limits.js";
import { searchLog } from "../../../src/report/run-page/search-log.js";
import { lineIndexPath, logPath } from "../../../src/runs/log-path.js";
import { LINE_INDEX_EVERY } from "../../../src/runs/log-scan.js";
import { writeScannedLog } from "./write-scanned-log.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gantry-log-lines-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const start = { byte: 0, line: 1 };

describe("reading a log's lines", () => {
  it("cuts a line longer than the page shows, and goes on with the next", async () => {
    const long = "x".repeat(MAX_LINE_BYTES * 3);
    const scan = await writeScannedLog(dir, "r", 1, `${long}\nnext\n`);
    const read = await readLogLines(logPath(dir, "r", 1), scan.bytes, start, 1, 10);
    expect(read.lines.map((line) => [line.n, line.text.length, line.cut])).toEqual([
      [1, MAX_LINE_BYTES, true],
      [2, 4, false],
    ]);
  });

  it("returns a last line without a newline only when the scan ends there (a finished log)", async () => {
    const open = await writeScannedLog(dir, "r", 1, "a\nb\npartial");
    expect((await readLogLines(logPath(dir, "r", 1), open.bytes, start, 1, 10)).lines.map((line) => line.text)).toEqual(["a", "b"]);
    const done = await writeScannedLog(dir, "r", 1, "a\nb\nlast", { complete: true });
    expect((await readLogLines(logPath(dir, "r", 1), done.bytes, start, 1, 10)).lines.map((line) => line.text)).toEqual(["a", "b", "last"]);
  });

  it("shows nothing more when the file is shorter than its scan says", async () => {
    const scan = await writeScannedLog(dir, "r", 1, "a\nb\n");
    const read = await readLogLines(logPath(dir, "r", 1), scan.bytes + 100, start, 1, 10);
    expect(read.lines.map((line) => line.text)).toEqual(["a", "b"]);
  });

  it("finds the index entry at or before a line, ignoring entries past the scan", async () => {
    const text = Array.from({ length: LINE_INDEX_EVERY * 3 }, (_, i) => `${i + 1}\n`).join("");
    const scan = await writeScannedLog(dir, "r", 1, text);
    const entry = await findIndexEntry(lineIndexPath(dir, "r", 1), { line: LINE_INDEX_EVERY * 2 + 5, byte: scan.bytes });
    expect(entry.line).toBe(LINE_INDEX_EVERY * 2 + 1);
    expect(text.slice(entry.byte).startsWith(`${LINE_INDEX_EVERY * 2 + 1}\n`)).toBe(true);
    const bounded = await findIndexEntry(lineIndexPath(dir, "r", 1), { line: LINE_INDEX_EVERY * 2 + 5, byte: entry.byte - 1 });
    expect(bounded.line).toBe(LINE_INDEX_EVERY + 1);
    expect(await findIndexEntry(join(dir, "none"), { line: 5000, byte: 100 })).toEqual({ byte: 0, line: 1, bytesRead: 0 });
  });

  it("knows the line at a byte position, or that none starts there", async () => {
    const text = Array.from({ length: LINE_INDEX_EVERY + 10 }, (_, i) => `${i + 1}\n`).join("");
    const scan = await writeScannedLog(dir, "r", 1, text);
    const at = text.indexOf(`\n${LINE_INDEX_EVERY + 5}\n`) + 1;
    expect(await findLineAtByte(logPath(dir, "r", 1), lineIndexPath(dir, "r", 1), scan.bytes, at)).toEqual({ byte: at, line: LINE_INDEX_EVERY + 5 });
    expect(await findLineAtByte(logPath(dir, "r", 1), lineIndexPath(dir, "r", 1), scan.bytes, at + 1)).toBeNull();
    expect(await findLineAtByte(logPath(dir, "r", 1), lineIndexPath(dir, "r", 1), scan.bytes, scan.bytes + 2)).toBeNull();
    expect(await findLineAtByte(logPath(dir, "r", 1), lineIndexPath(dir, "r", 1), scan.bytes, scan.bytes)).toEqual({ byte: scan.bytes, line: LINE_INDEX_EVERY + 11 });
  });
});

describe("searching a log", () => {
  it("finds matches across chunk boundaries and counts lines after a very long one", async () => {
    const filler = "y".repeat(1024 * 1024 - 8) + "\n"; // line 1 ends just before the first chunk's end
    const text = `${filler}a boundary NEEDLE here\n${"x".repeat(2_500_000)}needle in a long line\nthe needle after\n`;
    const scan = await writeScannedLog(dir, "r", 1, text);
    const result = await searchLog(logPath(dir, "r", 1), scan.bytes, "needle");
    expect(result.hits.map((hit) => [hit.line, hit.snippet])).toEqual([
      [2, "a boundary NEEDLE here"],
      [4, "the needle after"],
    ]);
    expect(result.searchedLines).toBe(4);
  });

  it("stops when its time is up and says so", async () => {
    const scan = await writeScannedLog(dir, "r", 1, "needle\n".repeat(10) + "x".repeat(3 * 1024 * 1024) + "\nneedle\n");
    let clock = 0;
    const result = await searchLog(logPath(dir, "r", 1), scan.bytes, "NEEDLE", () => (clock += SEARCH_TIME_MS / 2));
    expect(result.timedOut).toBe(true);
    expect(result.hits.length).toBeLessThan(11);
    const whole = await searchLog(logPath(dir, "r", 1), scan.bytes, "NEEDLE");
    expect(whole.timedOut).toBe(false);
    expect(whole.hits.map((hit) => hit.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12]);
  });
});
