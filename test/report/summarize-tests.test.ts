import { describe, expect, it } from "vitest";
import { OUTPUT_LIMIT } from "../../src/report/check-run-output.js";
import { utf8Length } from "../../src/report/markdown.js";
import type { RunReport, TestReport } from "../../src/report/report-types.js";
import { summarize } from "../../src/report/summarize.js";

const SHA = "0123456789abcdef0123456789abcdef01234567";

const failing: RunReport = {
  pipeline: "build",
  ref: "refs/heads/main",
  sha: SHA,
  conclusion: "failure",
  headCommit: { id: SHA, author: "Ada Lovelace", message: "Fix the parser" },
  commits: [],
  steps: [
    { name: "Install", conclusion: "success", exitCode: 0, durationMs: 850 },
    { name: "Test", conclusion: "failure", exitCode: 1, durationMs: 12_345 },
  ],
  failingStep: { name: "Test", tail: "FAIL test/math.test.ts\n1 failed" },
  logTail: "==> Test\nFAIL test/math.test.ts\n1 failed\n",
  durationMs: 13_195,
};

const tests = (over: Partial<TestReport> = {}): TestReport => ({
  passed: 12,
  failed: 2,
  skipped: 1,
  timeMs: 3_400,
  failures: [
    { suite: "test/math.test.ts", name: "math > subtracts", message: "expected 2 to be 1\n\n- Expected\n+ Received", timeMs: 7, path: "test/math.test.ts", line: 8 },
    { suite: "", name: "no file", message: "boom", timeMs: null },
  ],
  omittedFailures: 0,
  problems: [],
  ...over,
});

// A row is intact when it has exactly the 4 pipes of 3 cells; escaped `\|` are text.
const unescapedPipes = (row: string) => row.replace(/\\\\/g, "").match(/(?<!\\)\|/g)?.length ?? 0;
const section = (summary: string) => summary.slice(summary.indexOf("#### Tests"), summary.indexOf("```"));

describe("summarize: the tests section", () => {
  it("puts a table of the counts and the failed tests after the failing step, before its output and the steps", () => {
    const { summary } = summarize({ ...failing, tests: tests() });
    expect(section(summary)).toBe(
      [
        "#### Tests",
        "",
        "| Passed | Failed | Skipped | Time |",
        "| --- | --- | --- | --- |",
        "| 12 | ✖ 2 | 1 | 3.4 s |",
        "",
        "| Failed test | Message | Location |",
        "| --- | --- | --- |",
        "| test/math.test.ts › math \\> subtracts | expected 2 to be 1 | test/math.test.ts:8 |",
        "| no file | boom | — |",
        "",
        "",
      ].join("\n"),
    );
    expect(summary.indexOf("### ✖ Step \"Test\" failed")).toBeLessThan(summary.indexOf("#### Tests"));
    expect(summary.indexOf("#### Tests")).toBeLessThan(summary.indexOf("FAIL test/math.test.ts"));
    expect(summary.indexOf("FAIL test/math.test.ts")).toBeLessThan(summary.indexOf("#### Steps"));
  });

  it("counts the failures it does not list, and shows a run without failures as a table alone", () => {
    const some = summarize({ ...failing, tests: tests({ failed: 7, omittedFailures: 5 }) }).summary;
    expect(some).toContain("| no file | boom | — |\n| …and 5 more failed tests | | |");
    const { failingStep: _, ...succeeded } = failing;
    const green = summarize({ ...succeeded, conclusion: "success", tests: tests({ failed: 0, failures: [] }) }).summary;
    expect(green).toContain("| 12 | 0 | 1 | 3.4 s |\n\n- **Ref:**");
    expect(green).not.toContain("Failed test");
    expect(summarize(failing).summary).not.toContain("#### Tests");
  });

  it("escapes what the reports say: pipes, backticks, HTML, newlines, mentions and links stay text in their cell", () => {
    const hostile = "a | b `code` <script>alert(1)</script>\n# heading\r\n@octocat [x](https://evil.example) **bold**";
    const { summary } = summarize({
      ...failing,
      tests: tests({
        failures: [{ suite: "s|uite", name: hostile, message: `${hostile}\nsecond line`, timeMs: 1, path: "src/`x`|<b>.ts", line: 3 }],
        failed: 1,
        problems: ["r/<img src=x onerror=alert(1)>.xml: not well-formed XML (1:2: `x` | y)"],
      }),
    });
    const text = section(summary);
    expect(text).not.toMatch(/(?<!\\)[<>]/);
    expect(text).not.toMatch(/(?<!\\)`/);
    expect(text).not.toContain("@octocat");
    expect(text).not.toContain("https://evil");
    const row = text.split("\n").find((line) => line.includes("octocat"))!;
    expect(unescapedPipes(row)).toBe(4);
    expect(row).toContain("\\<script\\>");
    expect(row).not.toContain("second line");
    expect(text).toContain("**Report files not read:**\n- r/\\<img src=x onerror=alert\\(1\\)\\>.xml: not well-formed XML \\(1:2: \\`x\\` \\| y\\)");
  });

  it("lists files that could not be read even when no test case was found", () => {
    const { summary } = summarize({ ...failing, tests: tests({ passed: 0, failed: 0, skipped: 0, timeMs: null, failures: [], problems: ['no report file matched "reports/**/*.xml"'] }) });
    expect(section(summary)).toContain("| 0 | 0 | 0 | — |\n\n_The reports hold no test cases._\n\n**Report files not read:**\n- no report file matched \"reports/\\*\\*/\\*.xml\"");
  });

  it("gives way: 50 long failures, a long failing output and long step summaries stay within GitHub's limit", () => {
    const wide = "界".repeat(400);
    const failures = Array.from({ length: 50 }, (_, i) => ({ suite: `${wide}|${i}`, name: `${wide}<${i}>`, message: `${wide}\`${i}\``, timeMs: 1, path: `src/${wide}.ts`, line: i + 1 }));
    const { summary } = summarize({
      ...failing,
      steps: failing.steps.map((step) => ({ ...step, summary: "## big\n".repeat(10_000) })),
      failingStep: { name: "Test", tail: `${"x".repeat(200)}\n`.repeat(2_000) },
      tests: tests({ failed: 5_000, failures, omittedFailures: 4_950, problems: Array.from({ length: 21 }, (_, i) => `r/${i}.xml: ${wide}`) }),
    });
    expect(utf8Length(summary)).toBeLessThanOrEqual(OUTPUT_LIMIT);
    const text = section(summary);
    expect(utf8Length(text)).toBeLessThanOrEqual(16_000);
    const rows = text.split("\n").filter((line) => line.startsWith("| ") && line.includes("界"));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(50);
    expect(text).toContain(`| …and ${5_000 - rows.length} more failed tests | | |`);
    for (const row of rows) expect(unescapedPipes(row)).toBe(4);
    // the failing output and the steps still follow
    expect(summary).toContain("#### Steps");
    expect(summary).toContain("xxxxxxxx");
  });

  it("leaves the section out when gantry's own sections leave no room for it", () => {
    const steps = Array.from({ length: 50 }, (_, i) => ({ name: `${"界".repeat(100)}${i}`, conclusion: "success" as const, exitCode: 0, durationMs: 1 }));
    const commits = Array.from({ length: 20 }, (_, i) => ({ id: SHA, author: "界".repeat(60), message: `${"界".repeat(120)}${i}` }));
    const { summary } = summarize({ ...failing, steps, commits, reason: "界".repeat(4_000), tests: tests() });
    expect(utf8Length(summary)).toBeLessThanOrEqual(OUTPUT_LIMIT);
  });
});
