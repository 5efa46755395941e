import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/parse-config.js";
import { planPush } from "../../../src/planning/plan-push.js";
import { createLogProcessor } from "../../../src/worker/scanning/create-log-processor.js";
import { CAPTURE_WORKSPACE, scanLog, toolOutput } from "./scan-log.js";

// The fixtures are what the real tools printed (scripts/capture-tool-output.mjs), except go.txt: go is not
// installed where they were captured, so it is a sample in go's format.
const annotationsOf = (file: string, options: Parameters<typeof scanLog>[1] = {}) => scanLog(toolOutput(file), { workspace: CAPTURE_WORKSPACE, ...options }).annotations;

describe("built-in problem matchers on real tool output", () => {
  const tsc = [
    { path: "src/bad.ts", line: 1, column: 7, level: "failure", title: "TS2322", message: "Type 'string' is not assignable to type 'number'.", source: "tsc" },
    { path: "src/bad.ts", line: 5, column: 7, level: "failure", title: "TS2345", message: "Argument of type 'number' is not assignable to parameter of type 'string'.", source: "tsc" },
  ];

  it("reads tsc's plain format", () => {
    expect(annotationsOf("tsc.txt")).toEqual([
      { ...tsc[0], logLine: 1 },
      { ...tsc[1], logLine: 2 },
    ]);
  });

  it("reads tsc --pretty, whose lines are coloured with ANSI codes inside the match", () => {
    expect(toolOutput("tsc-pretty.txt").toString()).toContain("\u001b[91merror\u001b[0m\u001b[90m TS2322: ");
    expect(annotationsOf("tsc-pretty.txt")).toEqual([
      { ...tsc[0], logLine: 1 },
      { ...tsc[1], logLine: 6 },
    ]);
  });

  const eslint = [
    { path: "src/bad.js", line: 1, column: 7, level: "failure", title: "no-unused-vars", message: "'unused' is assigned a value but never used" },
    { path: "src/bad.js", line: 2, column: 16, level: "warning", title: "semi", message: "Missing semicolon" },
    { path: "src/bad.js", line: 3, column: 12, level: "warning", title: "eqeqeq", message: "Expected '===' and instead saw '=='" },
    { path: "src/bad.js", line: 4, column: 3, level: "failure", title: "no-debugger", message: "Unexpected 'debugger' statement" },
    { path: "src/other.js", line: 1, column: 1, level: "failure", title: "no-var", message: "Unexpected var, use let or const instead" },
    { path: "src/other.js", line: 2, column: 15, level: "warning", title: "semi", message: "Missing semicolon" },
  ];

  it.each(["eslint-stylish.txt", "eslint-stylish-color.txt"])("reads ESLint's stylish format (%s): a file line, then its problems", (file) => {
    const logLines = [3, 4, 5, 6, 9, 10];
    expect(annotationsOf(file)).toEqual(eslint.map((annotation, index) => ({ ...annotation, source: "eslint-stylish", logLine: logLines[index] })));
  });

  it("reads ESLint's compact format", () => {
    expect(annotationsOf("eslint-compact.txt")).toEqual(
      eslint.map((annotation, index) => ({ ...annotation, message: `${annotation.message}.`, source: "eslint-compact", logLine: index + 1 })),
    );
  });

  const gcc = [
    { path: "src/bad.c", line: 3, column: 11, level: "warning", message: "initialization of ‘int’ from ‘char *’ makes integer from pointer without a cast [-Wint-conversion]", logLine: 2 },
    { path: "src/bad.c", line: 4, column: 3, level: "failure", message: "‘undeclared’ undeclared (first use in this function)", logLine: 5 },
    { path: "src/bad.c", line: 5, column: 11, level: "failure", message: "expected ‘;’ before ‘}’ token", logLine: 9 },
    { path: "src/bad.c", line: 3, column: 7, level: "warning", message: "unused variable ‘x’ [-Wunused-variable]", logLine: 15 },
  ].map((annotation) => ({ ...annotation, source: "gcc" }));

  it.each(["gcc.txt", "gcc-color.txt"])("reads GCC's errors and warnings (%s), not its notes", (file) => {
    expect(annotationsOf(file)).toEqual(gcc);
  });

  it("reads GCC's fatal errors, at an absolute path under the workspace", () => {
    expect(toolOutput("gcc-fatal.txt").toString()).toContain(`${CAPTURE_WORKSPACE}/src/fatal.c:1:10: fatal error:`);
    expect(annotationsOf("gcc-fatal.txt")).toEqual([
      { path: "src/fatal.c", line: 1, column: 10, level: "failure", message: "missing.h: No such file or directory", source: "gcc", logLine: 1 },
    ]);
  });

  it("reads Go's errors (a sample: go is not installed here)", () => {
    expect(annotationsOf("go.txt")).toEqual([
      { path: "main.go", line: 12, column: 2, level: "failure", message: "undefined: fmt.Printn", source: "go", logLine: 2 },
      { path: "main.go", line: 15, column: 9, level: "failure", message: 'cannot use "x" (untyped string constant) as int value in return statement', source: "go", logLine: 3 },
      { path: "internal/store/store.go", line: 40, column: 14, level: "failure", message: "declared and not used: count", source: "go", logLine: 4 },
    ]);
  });

  it("reads a Python traceback: the last frame, with the exception as the message", () => {
    expect(annotationsOf("python.txt")).toEqual([
      { path: "src/bad.py", line: 2, level: "failure", title: "TypeError", message: 'TypeError: can only concatenate str (not "int") to str', source: "python", logLine: 9 },
    ]);
  });

  it("reads tracebacks without caret lines (Python before 3.11) and frames without source", () => {
    const log = [
      "Traceback (most recent call last):",
      '  File "/tmp/gantry-capture/ws/app/main.py", line 3, in <module>',
      "    import missing",
      "ModuleNotFoundError: No module named 'missing'",
      "Traceback (most recent call last):",
      '  File "<string>", line 1, in <module>',
      "KeyboardInterrupt",
      "",
    ].join("\n");
    expect(scanLog(log, { workspace: CAPTURE_WORKSPACE }).annotations).toEqual([
      { path: "app/main.py", line: 3, level: "failure", title: "ModuleNotFoundError", message: "ModuleNotFoundError: No module named 'missing'", source: "python", logLine: 4 },
      { path: "<string>", line: 1, level: "failure", title: "KeyboardInterrupt", message: "KeyboardInterrupt", source: "python", logLine: 7 },
    ]);
  });

  it.each(["rustc.txt", "rustc-color.txt"])("reads rustc's errors (%s)", (file) => {
    expect(annotationsOf(file)).toEqual([{ path: "src/bad.rs", line: 2, column: 18, level: "failure", title: "E0308", message: "mismatched types", source: "rust", logLine: 2 }]);
  });

  it("reads rustc's warnings", () => {
    expect(annotationsOf("rustc-warning.txt")).toEqual([{ path: "src/warn.rs", line: 2, column: 9, level: "warning", message: "unused variable: `unused`", source: "rust", logLine: 2 }]);
  });

  it("turns the built-ins off, or picks some", () => {
    expect(annotationsOf("tsc.txt", { matchers: { builtin: false, custom: [] } })).toEqual([]);
    expect(annotationsOf("tsc.txt", { matchers: { builtin: ["gcc"], custom: [] } })).toEqual([]);
    expect(annotationsOf("tsc.txt", { matchers: { builtin: ["tsc"], custom: [] } })).toHaveLength(2);
  });
});

describe("problem matchers on tricky input", () => {
  it("keeps Windows paths as printed", () => {
    const log = "C:\\src\\app.ts(3,5): error TS2322: Type 'string' is not assignable to type 'number'.\r\n";
    expect(scanLog(log, { workspace: "C:\\src" }).annotations).toEqual([
      { path: "C:\\src\\app.ts", line: 3, column: 5, level: "failure", title: "TS2322", message: "Type 'string' is not assignable to type 'number'.", source: "tsc", logLine: 1 },
    ]);
  });

  it("strips the workspace only as a whole path prefix, and ./", () => {
    const log = ["/work/ws/src/a.c:1:1: error: in", "/work/ws-other/b.c:2:1: error: outside", "./c.c:3:1: error: dotted", "/work/ws:4:1: error: the root itself", ""].join("\n");
    expect(scanLog(log, { workspace: "/work/ws/" }).annotations.map((annotation) => annotation.path)).toEqual(["src/a.c", "/work/ws-other/b.c", "c.c", ""]);
  });

  it("reads the line a progress bar's redraws leave", () => {
    const log = "compiling 10%\rcompiling 50%\rsrc/a.ts(1,2): error TS1005: ';' expected.\r\n";
    expect(scanLog(log).annotations).toMatchObject([{ path: "src/a.ts", line: 1, column: 2, message: "';' expected." }]);
  });

  it("finds 10,000 problems in one log, each once", () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => `src/file${i}.ts(${i + 1},1): error TS2304: Cannot find name 'x${i}'.`);
    const plain = Array.from({ length: 10_000 }, (_, i) => `ordinary output line ${i}`);
    const log = `${lines.flatMap((line, i) => [line, plain[i]]).join("\n")}\n`;
    const started = performance.now();
    const { annotations, processor } = scanLog(log, { chunk: 64 * 1024 });
    const elapsed = performance.now() - started;
    expect(processor.lines).toBe(20_000);
    expect(annotations).toHaveLength(10_000);
    expect(annotations[9_999]).toMatchObject({ path: "src/file9999.ts", line: 10_000, logLine: 19_999, message: "Cannot find name 'x9999'." });
    console.log(`10,000 tsc errors in ${log.length} bytes: ${elapsed.toFixed(0)} ms`);
  });

  it("matches ESLint's looping pattern across 10,000 problems of one file without looking back each time", () => {
    const log = `/tmp/gantry-capture/ws/src/big.js\n${Array.from({ length: 10_000 }, (_, i) => `  ${i + 1}:1  error  Unexpected var  no-var`).join("\n")}\n`;
    const { annotations } = scanLog(log, { workspace: CAPTURE_WORKSPACE, chunk: 4096 });
    expect(annotations).toHaveLength(10_000);
    expect(new Set(annotations.map((annotation) => annotation.path))).toEqual(new Set(["src/big.js"]));
    expect(annotations[9_999]).toMatchObject({ line: 10_000, logLine: 10_001 });
  });

  it("does not continue a loop after a line that breaks it; a line that fits the first pattern starts a new one", () => {
    const log = ["src/a.js", "  1:1  error  First  rule-a", "", "  2:1  error  Orphan  rule-b", "src/b.js", "  3:1  error  Second  rule-c", ""].join("\n");
    expect(scanLog(log).annotations.map((annotation) => [annotation.path, annotation.message])).toEqual([
      ["src/a.js", "First"],
      ["src/b.js", "Second"],
    ]);
  });

  it("bounds what it captures", () => {
    const log = `src/${"d/".repeat(1_000)}a.ts(1,1): error TS1: ${"m".repeat(10_000)}\n`;
    const [annotation] = scanLog(log).annotations;
    expect(annotation!.path.length).toBeLessThanOrEqual(1_000);
    expect(annotation!.message.length).toBeLessThanOrEqual(4_000);
  });

  it("matches a line of several MiB on its first part, without keeping it whole", () => {
    const log = Buffer.concat([Buffer.from("src/a.ts(7,1): error TS1: long "), Buffer.alloc(8 * 1024 * 1024, "x"), Buffer.from("\nsrc/b.ts(8,1): error TS2: short\n")]);
    const { annotations, processor } = scanLog(log, { chunk: 64 * 1024 });
    expect(processor.lines).toBe(2);
    expect(processor.completedBytes).toBe(log.length);
    expect(annotations.map((annotation) => [annotation.path, annotation.logLine])).toEqual([
      ["src/a.ts", 1],
      ["src/b.ts", 2],
    ]);
  });

  it("survives invalid UTF-8", () => {
    const log = Buffer.concat([Buffer.from("src/\xff\xfe.c:1:2: error: bad "), Buffer.from([0xc3, 0x28, 0xe2, 0x82]), Buffer.from("\n")]);
    const [annotation] = scanLog(log).annotations;
    expect(annotation).toMatchObject({ line: 1, column: 2, level: "failure" });
    expect(annotation!.message.startsWith("bad ")).toBe(true);
  });

  it("runs custom matchers on every line, with their owner as the source", () => {
    const matchers = {
      builtin: false,
      custom: [
        { owner: "lint", severity: "warning" as const, pattern: [{ regexp: "^LINT (\\S+):(\\d+) (\\w+): (.*)$", file: 1, line: 2, severity: 3, message: 4 }] },
        { owner: "pair", pattern: [{ regexp: "^in (\\S+)$", file: 1 }, { regexp: "^  at (\\d+): (.*)$", line: 1, message: 2 }] },
      ],
    };
    const log = ["LINT src/a.sh:4 note: quote it", "LINT src/b.sh:5 oops: unknown word", "in lib/c.txt", "  at 9: two lines", ""].join("\n");
    expect(scanLog(log, { matchers }).annotations).toEqual([
      { path: "src/a.sh", line: 4, level: "notice", message: "quote it", source: "lint", logLine: 1 },
      { path: "src/b.sh", line: 5, level: "warning", message: "unknown word", source: "lint", logLine: 2 },
      { path: "lib/c.txt", line: 9, level: "failure", message: "two lines", source: "pair", logLine: 4 },
    ]);
  });

  it("runs a hostile custom regexp in linear time", () => {
    const matchers = { builtin: false, custom: [{ owner: "evil", pattern: [{ regexp: "^(a+)+$", message: 1 }] }] };
    const log = `${Array.from({ length: 200 }, () => `${"a".repeat(3_000)}b`).join("\n")}\n`;
    const started = performance.now();
    expect(scanLog(log, { matchers }).annotations).toEqual([]);
    // a backtracking engine would not finish one of these lines in a lifetime
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it("does not join the lines of two steps into one problem", () => {
    const processor = createLogProcessor({ matchers: undefined, workspace: null });
    expect(processor.push(Buffer.from("error[E0308]: mismatched types\n")).annotations).toEqual([]);
    processor.startStep(1);
    expect(processor.push(Buffer.from(" --> src/a.rs:1:1\n")).annotations).toEqual([]);
    expect(processor.push(Buffer.from("error[E0308]: mismatched types\n --> src/a.rs:2:1\n")).annotations).toMatchObject([{ path: "src/a.rs", line: 2, logLine: 4 }]);
  });
});

describe("matchers from .github/gantry.yml", () => {
  it("runs a custom looping matcher as parsed and planned, beside the built-ins left on", () => {
    const text = [
      "pipelines:",
      "  build:",
      "    steps: [{ run: make }]",
      "    matchers:",
      "      builtin: [tsc]",
      "      custom:",
      "        - owner: shellcheck",
      "          pattern:",
      '            - regexp: "^In (\\\\S+) line (\\\\d+):$"',
      "              file: 1",
      "              line: 2",
      '            - regexp: "^\\\\s+\\\\^-- (SC\\\\d+) \\\\((error|warning|info)\\\\): (.*)$"',
      "              code: 1",
      "              severity: 2",
      "              message: 3",
      "              loop: true",
      "",
    ].join("\n");
    const parsed = parseConfig(text);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const [pipeline] = planPush({ ref: "refs/heads/main", deleted: false, headCommitMessage: "", changedFiles: null }, parsed.config).pipelines;
    const log = [
      "In /ws/run.sh line 3:",
      "  ^-- SC2086 (info): Double quote to prevent globbing.",
      "  ^-- SC2154 (warning): x is referenced but not assigned.",
      "src/a.ts(1,1): error TS1005: ';' expected.",
      "src/a.c:1:1: error: gcc is off",
      "",
    ].join("\n");
    expect(scanLog(log, { matchers: pipeline!.matchers, workspace: "/ws" }).annotations).toEqual([
      { path: "run.sh", line: 3, level: "notice", title: "SC2086", message: "Double quote to prevent globbing.", source: "shellcheck", logLine: 2 },
      { path: "run.sh", line: 3, level: "warning", title: "SC2154", message: "x is referenced but not assigned.", source: "shellcheck", logLine: 3 },
      { path: "src/a.ts", line: 1, column: 1, level: "failure", title: "TS1005", message: "';' expected.", source: "tsc", logLine: 4 },
    ]);
  });
});
