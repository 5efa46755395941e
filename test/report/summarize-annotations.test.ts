import { describe, expect, it } from "vitest";
import { OUTPUT_LIMIT } from "../../src/report/check-run-output.js";
import { utf8Length } from "../../src/report/markdown.js";
import type { RunReport } from "../../src/report/report-types.js";
import { summarize } from "../../src/report/summarize.js";
import type { Annotation } from "../../src/runs/run-types.js";

const ZWJ = "\u200d";

const base: RunReport = {
  pipeline: "build",
  ref: "refs/heads/main",
  sha: "0123456789abcdef0123456789abcdef01234567",
  conclusion: "failure",
  headCommit: null,
  commits: [],
  steps: [{ name: "Compile", conclusion: "failure", exitCode: 2, durationMs: 850 }],
  failingStep: { name: "Compile", tail: "src/a.ts(3,5): error TS2322: nope" },
  logTail: "",
  durationMs: 850,
};

const at = (line: number, overrides: Partial<Annotation> = {}): Annotation => ({ path: "src/a.ts", line, message: `problem ${line}`, ...overrides });

/** The summary's Annotations section, to its end (it comes last without step summaries). */
function section(report: Partial<RunReport>): string {
  const { summary } = summarize({ ...base, ...report });
  const start = summary.indexOf("#### Annotations");
  return start === -1 ? "" : summary.slice(start);
}

// A table row is intact when it has exactly the 4 pipes of 3 cells; escaped `\|` are text.
function unescapedPipes(row: string): number {
  return row.replace(/\\\\/g, "").match(/(?<!\\)\|/g)?.length ?? 0;
}

describe("the summary's Annotations section", () => {
  it("is absent when the run has none", () => {
    expect(section({})).toBe("");
    expect(section({ annotations: [], omittedAnnotations: 0 })).toBe("");
  });

  it("counts them per level and says they are on the files", () => {
    const annotations = [at(1), at(2, { level: "warning" }), at(3, { level: "warning" }), at(4, { level: "notice" }), at(1, { source: "again" })];
    expect(section({ annotations })).toBe("#### Annotations\n\n1 failure, 2 warnings, 1 notice: 4 shown on the files they name.");
  });

  it("lists those GitHub cannot show on a file, with their level, place as printed and message on one line", () => {
    const annotations = [
      at(3, { level: "notice" }),
      at(12, { path: "/usr/include/stdio.h", column: 4, inRepository: false, message: "conflicting types" }),
      at(0, { path: "", message: "Segmentation fault\n(core dumped)", level: "warning" }),
      at(7, { path: "", message: "\u001b[1;31mline only\u001b[0m" }),
    ];
    expect(section({ annotations })).toBe(
      [
        "#### Annotations",
        "",
        "2 failures, 1 warning, 1 notice: 1 shown on the files they name, 3 not on a file of this commit, so GitHub cannot show them there (listed below).",
        "",
        "| Level | Where | Message |",
        "| --- | --- | --- |",
        "| failure | /usr/include/stdio.h:12:4 | conflicting types |",
        "| failure | line 7 | line only |",
        "| warning | — | Segmentation fault \\(core dumped\\) |",
      ].join("\n"),
    );
  });

  it("escapes what the output said: no table breaks, code, HTML, links, pings or extra lines", () => {
    const hostile = "a | b `rm -rf` <img src=x onerror=alert(1)> [x](javascript:alert(1)) @org/team http://evil.example\n| --- |\n# heading";
    const text = section({ annotations: [at(0, { path: "C:\\src\\x|`y`<b>.ts", message: hostile }), at(0, { path: "", message: "|||" })] });
    const rows = text.split("\n").filter((line) => line.startsWith("| failure"));
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(unescapedPipes(row)).toBe(4);
    expect(text).not.toMatch(/(?<!\\)[<`]/);
    expect(text).not.toMatch(/(?<!\\)\[/);
    expect(text).toContain(`@${ZWJ}org/team`);
    expect(text).toContain(`http:${ZWJ}//evil`);
    expect(text).not.toMatch(/^# heading/m);
    expect(rows[0]).toContain("\\<img src=x onerror=alert\\(1\\)\\>");
  });

  it("bounds each message and lists 30, saying how many more there are", () => {
    const annotations = Array.from({ length: 45 }, (_, i) => at(0, { path: "", message: `${i} ${"😀".repeat(1000)}` }));
    const text = section({ annotations });
    const rows = text.split("\n").filter((line) => line.startsWith("| failure"));
    expect(rows).toHaveLength(30);
    for (const row of rows) expect(row.length).toBeLessThan(260);
    expect(rows[0]).toMatch(/^\| failure \| — \| 0 (😀)+… \|$/u);
    expect(text.split("\n").at(-1)).toBe("| | …and 15 more not listed | |");
  });

  it("says how many were left out over the cap of 1,000", () => {
    const annotations = Array.from({ length: 1000 }, (_, i) => at(i + 1));
    expect(section({ annotations, omittedAnnotations: 234 })).toBe(
      "#### Annotations\n\n1,000 failures: 1,000 shown on the files they name.\n\n234 more annotations left out: a run keeps at most 1,000.",
    );
    expect(section({ annotations: [], omittedAnnotations: 1 })).toBe("#### Annotations\n\n1 annotation left out: a run keeps at most 1,000.");
  });

  it("keeps the whole summary within 65,535 bytes, listing fewer when room is short", () => {
    const annotations = Array.from({ length: 1000 }, (_, i) => at(0, { path: `/tmp/${"ü".repeat(300)}${i}`, message: `|<${"ü".repeat(300)}` }));
    const steps = Array.from({ length: 60 }, (_, i) => ({ name: `${"|".repeat(100)}${i}`, conclusion: "success" as const, exitCode: 0, durationMs: 1 }));
    const reason = "<b>".repeat(1400);
    const tail = "x".repeat(100_000);
    const { summary } = summarize({ ...base, annotations, steps, reason, failingStep: { name: "Compile", tail } });
    expect(utf8Length(summary)).toBeLessThanOrEqual(OUTPUT_LIMIT);
    const text = summary.slice(summary.indexOf("#### Annotations"));
    const rows = text.split("\n").filter((line) => line.startsWith("| failure"));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(30);
    expect(utf8Length(text)).toBeLessThanOrEqual(16_384);
    expect(text.split("\n").at(-1)).toBe(`| | …and ${1000 - rows.length} more not listed | |`);
    // the failing output gave way, not gantry's sections
    expect(summary).toContain("#### Steps");
  });
});
