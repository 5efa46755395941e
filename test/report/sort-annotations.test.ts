import { describe, expect, it } from "vitest";
import { sortAnnotations } from "../../src/report/sort-annotations.js";
import { MAX_ANNOTATIONS } from "../../src/runs/log-scan.js";
import type { Annotation } from "../../src/runs/run-types.js";

const at = (line: number, overrides: Partial<Annotation> = {}): Annotation => ({ path: "src/a.ts", line, message: `problem ${line}`, ...overrides });

describe("sortAnnotations", () => {
  it("puts failures first, then warnings, then notices, in log order within a level", () => {
    const sorted = sortAnnotations([
      at(1, { level: "notice" }),
      at(2, { level: "warning" }),
      at(3),
      at(4, { level: "notice" }),
      at(5, { level: "failure" }),
      at(6, { level: "warning" }),
    ]);
    expect(sorted.onFiles.map((a) => [a.start_line, a.annotation_level])).toEqual([
      [3, "failure"],
      [5, "failure"],
      [2, "warning"],
      [6, "warning"],
      [1, "notice"],
      [4, "notice"],
    ]);
    expect(sorted.counts).toEqual({ failure: 2, warning: 2, notice: 2 });
    expect(sorted.elsewhere).toEqual([]);
    expect(sorted.omitted).toBe(0);
  });

  it("keeps one of identical annotations: the same problem from a config check, a matcher, a command or a test report", () => {
    const sorted = sortAnnotations([
      at(1, { source: "config" }),
      at(1, { source: "tsc", logLine: 40 }),
      at(1, { source: "command", logLine: 41, inRepository: true }),
      at(1, { level: "warning" }),
      at(1, { column: 2 }),
      // the same to GitHub once bounded: the message past 4 KB and the columns of a multi-line annotation are not sent
      at(2, { message: `${"x".repeat(5000)}a` }),
      at(2, { message: `${"x".repeat(5000)}b` }),
      at(3, { endLine: 4, column: 1 }),
      at(3, { endLine: 4, column: 9 }),
      // not on a file: compared as recorded
      at(0, { path: "", message: "no file" }),
      at(0, { path: "", message: "no file", source: "junit" }),
      at(0, { path: "", message: "no file either" }),
      at(9, { path: "/usr/include/stdio.h", inRepository: false }),
      at(9, { path: "/usr/include/stdio.h", inRepository: false }),
    ]);
    expect(sorted.onFiles.map((a) => [a.start_line, a.annotation_level, a.start_column ?? null, a.message.slice(-1)])).toEqual([
      [1, "failure", null, "1"],
      [1, "failure", 2, "1"],
      [2, "failure", null, "…"],
      [3, "failure", null, "3"],
      [1, "warning", null, "1"],
    ]);
    expect(sorted.elsewhere.map((a) => [a.path, a.message])).toEqual([
      ["", "no file"],
      ["", "no file either"],
      ["/usr/include/stdio.h", "problem 9"],
    ]);
    expect(sorted.counts).toEqual({ failure: 7, warning: 1, notice: 0 });
  });

  it("caps a run at MAX_ANNOTATIONS, keeping failures over notices, and counts what it leaves out with what the worker left out", () => {
    const many = [
      ...Array.from({ length: 600 }, (_, i) => at(i + 1, { level: "notice" })),
      ...Array.from({ length: 600 }, (_, i) => at(i + 1)),
      at(0, { path: "", message: "elsewhere" }),
    ];
    const sorted = sortAnnotations(many, 25);
    expect(sorted.onFiles.length + sorted.elsewhere.length).toBe(MAX_ANNOTATIONS);
    expect(sorted.counts).toEqual({ failure: 601, warning: 0, notice: 399 });
    expect(sorted.onFiles.slice(0, 600).every((a) => a.annotation_level === "failure")).toBe(true);
    expect(sorted.elsewhere.map((a) => a.message)).toEqual(["elsewhere"]);
    expect(sorted.omitted).toBe(25 + 201);
    expect(sortAnnotations([], 7)).toEqual({ onFiles: [], elsewhere: [], counts: { failure: 0, warning: 0, notice: 0 }, omitted: 7 });
  });
});
