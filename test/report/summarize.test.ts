import { describe, expect, it } from "vitest";
import { OUTPUT_LIMIT } from "../../src/report/check-run-output.js";
import { utf8Length } from "../../src/report/markdown.js";
import type { CommitInfo, RunReport, StepResult } from "../../src/report/report-types.js";
import { formatDuration } from "../../src/report/format-duration.js";
import { summarize } from "../../src/report/summarize.js";
import { linesOfBytes, WIDE_LINES } from "../helpers/wide-lines.js";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const ZWJ = "\u200d";

const base: RunReport = {
  pipeline: "build",
  ref: "refs/heads/main",
  sha: SHA,
  conclusion: "success",
  headCommit: { id: SHA, author: "Ada Lovelace", message: "Fix the parser\n\nThe body explains why." },
  commits: [
    { id: "fedcba9876543210fedcba9876543210fedcba98", author: "Grace Hopper", message: "Add tests 🧪" },
    { id: SHA, author: "Ada Lovelace", message: "Fix the parser\n\nThe body explains why." },
  ],
  steps: [
    { name: "Install", conclusion: "success", exitCode: 0, durationMs: 850 },
    { name: "Test", conclusion: "success", exitCode: 0, durationMs: 12_345 },
  ],
  logTail: "npm ci\nadded 200 packages\nnpm test\nall tests passed\n",
  durationMs: 13_195,
};

const details = (duration: string | null): string[] => [
  "- **Ref:** main",
  "- **Commit:** `0123456` by Ada Lovelace — Fix the parser",
  ...(duration === null ? [] : [`- **Duration:** ${duration}`]),
  "",
  "#### Commits (2)",
  "",
  "- `fedcba9` Add tests 🧪 — Grace Hopper",
  "- `0123456` Fix the parser — Ada Lovelace",
];

const table = (...rows: string[]): string[] => [
  "#### Steps",
  "",
  "| Step | Result | Exit code | Duration |",
  "| --- | --- | --- | --- |",
  ...rows,
];

const lines = (...parts: string[]): string => parts.join("\n");

function commit(i: number, message = `Commit number ${i}`): CommitInfo {
  return { id: i.toString(16).padStart(40, "0"), author: `Dev ${i}`, message };
}

// A table row is intact when it has exactly the 5 pipes of 4 cells; escaped `\|` are text.
function unescapedPipes(row: string): number {
  return row.replace(/\\\\/g, "").match(/(?<!\\)\|/g)?.length ?? 0;
}

describe("summarize", () => {
  it("reports a success with commits, steps and the log tail", () => {
    expect(summarize(base)).toEqual({
      title: "✔ build succeeded in 13.2 s",
      summary: lines(
        ...details("13.2 s"),
        "",
        ...table("| Install | ✔ success | 0 | 850 ms |", "| Test | ✔ success | 0 | 12.3 s |"),
      ),
      text: "```\nnpm ci\nadded 200 packages\nnpm test\nall tests passed\n```",
    });
  });

  it("leads a failure with the failing step and its last lines", () => {
    const output = summarize({
      ...base,
      conclusion: "failure",
      durationMs: 125_000,
      steps: [
        { name: "Install", conclusion: "success", exitCode: 0, durationMs: 850 },
        { name: "Test", conclusion: "failure", exitCode: 1, durationMs: 124_150 },
        { name: "Deploy", conclusion: "skipped", exitCode: null, durationMs: null },
      ],
      failingStep: { name: "Test", tail: "FAIL src/parser.test.ts\n  expected 1 to be 2\n" },
    });
    expect(output.title).toBe('✖ build failed at step "Test"');
    expect(output.summary).toBe(
      lines(
        '### ✖ Step "Test" failed with exit code 1',
        "",
        "```",
        "FAIL src/parser.test.ts",
        "  expected 1 to be 2",
        "```",
        "",
        ...details("2 min 5 s"),
        "",
        ...table(
          "| Install | ✔ success | 0 | 850 ms |",
          "| Test | ✖ failure | 1 | 2 min 4 s |",
          "| Deploy | skipped | — | — |",
        ),
      ),
    );
  });

  it("reports a timeout with the step, the explanation and the output tail", () => {
    const output = summarize({
      ...base,
      conclusion: "timed_out",
      reason: 'Step "Test" ran longer than its 10 min limit.',
      durationMs: 600_400,
      steps: [
        { name: "Install", conclusion: "success", exitCode: 0, durationMs: 400 },
        { name: "Test", conclusion: "timed_out", exitCode: null, durationMs: 600_000 },
      ],
      failingStep: { name: "Test", tail: "waiting for server…\nwaiting for server…" },
    });
    expect(output.title).toBe('⏱ build timed out in step "Test"');
    expect(output.summary).toBe(
      lines(
        '### ⏱ Step "Test" timed out',
        "",
        '**Reason:** Step "Test" ran longer than its 10 min limit.',
        "",
        "```",
        "waiting for server…",
        "waiting for server…",
        "```",
        "",
        ...details("10 min"),
        "",
        ...table("| Install | ✔ success | 0 | 400 ms |", "| Test | ⏱ timed out | — | 10 min |"),
      ),
    );
  });

  it("names the timed-out step from the steps when no tail was captured", () => {
    const output = summarize({
      ...base,
      conclusion: "timed_out",
      steps: [{ name: "Test", conclusion: "timed_out", exitCode: null, durationMs: 600_000 }],
    });
    expect(output.title).toBe('⏱ build timed out in step "Test"');
    expect(output.summary.split("\n")[0]).toBe('### ⏱ Step "Test" timed out');
  });

  it("shows a skip reason first", () => {
    const skipCommit = { id: SHA, author: "Ada Lovelace", message: "Docs only [skip ci]" };
    expect(
      summarize({
        ...base,
        conclusion: "skipped",
        reason: "The head commit message contains [skip ci].",
        headCommit: skipCommit,
        commits: [skipCommit],
        steps: [],
        logTail: "",
        durationMs: null,
      }),
    ).toEqual({
      title: "build skipped",
      summary: lines(
        "**Skipped:** The head commit message contains \\[skip ci\\].",
        "",
        "- **Ref:** main",
        "- **Commit:** `0123456` by Ada Lovelace — Docs only \\[skip ci\\]",
        "",
        "#### Commits (1)",
        "",
        "- `0123456` Docs only \\[skip ci\\] — Ada Lovelace",
      ),
      text: "",
    });
  });

  it("reports a cancellation with its reason", () => {
    expect(
      summarize({
        ...base,
        conclusion: "cancelled",
        reason: "A newer push to main superseded this run.",
        durationMs: 3_000,
        steps: [
          { name: "Install", conclusion: "cancelled", exitCode: null, durationMs: 3_000 },
          { name: "Test", conclusion: "skipped", exitCode: null, durationMs: null },
        ],
        logTail: "npm ci\n",
      }),
    ).toEqual({
      title: "build cancelled",
      summary: lines(
        "**Cancelled:** A newer push to main superseded this run.",
        "",
        ...details("3.0 s"),
        "",
        ...table("| Install | cancelled | — | 3.0 s |", "| Test | skipped | — | — |"),
      ),
      text: "```\nnpm ci\n```",
    });
  });

  it("shows a multi-line config error verbatim, and a tag as a tag", () => {
    const output = summarize({
      ...base,
      conclusion: "failure",
      ref: "refs/tags/v1.0.0",
      reason: "gantry.yml: line 3: expected a mapping\n  steps: - run\n         ^",
      commits: [],
      steps: [],
      logTail: "",
      durationMs: null,
    });
    expect(output).toEqual({
      title: "✖ build failed",
      summary: lines(
        "**Reason:**",
        "",
        "```",
        "gantry.yml: line 3: expected a mapping",
        "  steps: - run",
        "         ^",
        "```",
        "",
        "- **Ref:** v1.0.0 (tag)",
        "- **Commit:** `0123456` by Ada Lovelace — Fix the parser",
      ),
      text: "",
    });
  });

  it("shows only the sha when the push has no head commit", () => {
    const output = summarize({ ...base, headCommit: null, commits: [], steps: [], durationMs: null, logTail: "" });
    expect(output.summary).toBe(lines("- **Ref:** main", "- **Commit:** `0123456`"));
    expect(output.title).toBe("✔ build succeeded");
  });

  it("uses a fence longer than any backtick run in the failing output", () => {
    const output = summarize({
      ...base,
      conclusion: "failure",
      steps: [{ name: "Test", conclusion: "failure", exitCode: 2, durationMs: 10 }],
      failingStep: { name: "Test", tail: "```\nnot closed ```` here\n" },
    });
    expect(output.summary.startsWith('### ✖ Step "Test" failed with exit code 2\n\n`````\n```\nnot closed ```` here\n`````\n\n')).toBe(true);
  });

  it("escapes hostile commit messages, authors, refs and step names", () => {
    const output = summarize({
      ...base,
      ref: "refs/heads/feat/<img src=x onerror=alert(1)>",
      headCommit: {
        id: SHA,
        author: "Eve | Mallory",
        message: "<script>alert(1)</script> @everyone\nsecond line",
      },
      commits: [
        { id: SHA, author: "Eve | Mallory\n| --- |", message: "[x](javascript:alert(1)) ![i](http://evil.example/p.png) `rm -rf /` ``` | x" },
      ],
      steps: [{ name: "Lint | format\nnext", conclusion: "success", exitCode: 0, durationMs: 0 }],
      logTail: "<b>@everyone</b> ``` done\n",
    });
    expect(output.summary).toBe(
      lines(
        "- **Ref:** feat/\\<img src=x onerror=alert\\(1\\)\\>",
        `- **Commit:** \`0123456\` by Eve \\| Mallory — \\<script\\>alert\\(1\\)\\</script\\> @${ZWJ}everyone`,
        "- **Duration:** 13.2 s",
        "",
        "#### Commits (1)",
        "",
        `- \`0123456\` \\[x\\]\\(javascript:alert\\(1\\)\\) \\!\\[i\\]\\(http:${ZWJ}//evil.example/p.png\\) \\\`rm -rf /\\\` \\\`\\\`\\\` \\| x — Eve \\| Mallory \\| --- \\|`,
        "",
        ...table("| Lint \\| format next | ✔ success | 0 | 0 ms |"),
      ),
    );
    for (const row of output.summary.split("\n").filter((line) => line.startsWith("|"))) {
      expect(unescapedPipes(row)).toBe(5);
    }
    expect(output.summary).not.toMatch(/@everyone|(?<!\\)<script|\]\(|(?<!\\)`rm/);
    // The log is shown verbatim inside a fence GitHub will not end early.
    expect(output.text).toBe("````\n<b>@everyone</b> ``` done\n````");
  });

  it("keeps emoji and CJK intact in titles and summaries", () => {
    const output = summarize({
      ...base,
      pipeline: "构建 🚀",
      conclusion: "failure",
      headCommit: { id: SHA, author: "山田太郎", message: "修正: パーサー 😀\n本文" },
      commits: [],
      steps: [{ name: "テスト 🧪", conclusion: "failure", exitCode: 1, durationMs: 1_000 }],
      failingStep: { name: "テスト 🧪", tail: "失败 ❌\n" },
    });
    expect(output.title).toBe('✖ 构建 🚀 failed at step "テスト 🧪"');
    expect(output.summary).toContain("`0123456` by 山田太郎 — 修正: パーサー 😀");
    expect(output.summary).toContain("```\n失败 ❌\n```");
    expect(output.summary).toContain("| テスト 🧪 | ✖ failure | 1 | 1.0 s |");
  });

  it("keeps the title short and on one line", () => {
    const output = summarize({
      ...base,
      pipeline: "p".repeat(300),
      conclusion: "failure",
      failingStep: { name: `${"😀".repeat(200)}\nsecond`, tail: "x" },
    });
    expect(output.title).toBe(`✖ ${"p".repeat(99)}… failed at step "${"😀".repeat(49)}…"`);
    expect(output.title.length).toBeLessThanOrEqual(255);
  });

  it("bounds 5,000 pushed commits to 20 and counts the rest", () => {
    const commits = Array.from({ length: 5_000 }, (_, i) => commit(i, `${"long message ".repeat(1_000)}\nbody`));
    const output = summarize({ ...base, commits, totalCommits: 5_000 });
    const items = output.summary.split("\n").filter((line) => line.startsWith("- `"));
    expect(items).toHaveLength(20);
    expect(items[0]).toBe(`- \`0000000\` ${"long message ".repeat(10).slice(0, 119)}… — Dev 0`);
    expect(output.summary).toContain("#### Commits (5000)");
    expect(output.summary).toContain("\n- …and 4980 more commits\n");
    expect(utf8Length(output.summary)).toBeLessThanOrEqual(OUTPUT_LIMIT);
  });

  it("counts commits the payload left out", () => {
    const output = summarize({ ...base, commits: [commit(1), commit(2)], totalCommits: 3 });
    expect(output.summary).toContain(
      lines("#### Commits (3)", "", "- `0000000` Commit number 1 — Dev 1", "- `0000000` Commit number 2 — Dev 2", "- …and 1 more commit"),
    );
  });

  it("bounds a long steps table", () => {
    const steps: StepResult[] = Array.from({ length: 60 }, (_, i) => ({
      name: `step ${i}`,
      conclusion: "success",
      exitCode: 0,
      durationMs: 1,
    }));
    const rows = summarize({ ...base, steps }).summary.split("\n").filter((line) => line.startsWith("| "));
    expect(rows).toHaveLength(2 + 50 + 1);
    expect(rows.at(-2)).toBe("| step 49 | ✔ success | 0 | 1 ms |");
    expect(rows.at(-1)).toBe("| …and 10 more steps | | | |");
  });

  it("gives way in the failing tail, from the front at a line start, to stay within 65535", () => {
    const tail = Array.from({ length: 20_000 }, (_, i) => `error line ${i}`).join("\n") + "\n";
    const output = summarize({
      ...base,
      conclusion: "failure",
      steps: [{ name: "Test", conclusion: "failure", exitCode: 1, durationMs: 5 }],
      failingStep: { name: "Test", tail },
    });
    expect(utf8Length(output.summary)).toBeLessThanOrEqual(OUTPUT_LIMIT);
    expect(utf8Length(output.summary)).toBeGreaterThan(OUTPUT_LIMIT - 40);
    const [heading, block] = output.summary.split("\n\n");
    expect(heading).toBe('### ✖ Step "Test" failed with exit code 1');
    const body = block!.slice("```\n".length, -"\n```".length);
    expect(body).toMatch(/^error line \d+\n/);
    expect(body.endsWith("error line 19999")).toBe(true);
    expect(tail.endsWith(`${body}\n`)).toBe(true);
    // Everything after the tail survives.
    expect(output.summary.endsWith("| Test | ✖ failure | 1 | 5 ms |")).toBe(true);
  });

  it("measures the limit in UTF-8 bytes, which GitHub enforces, for CJK-heavy output", () => {
    const tail = Array.from({ length: 10_000 }, (_, i) => `错误 ${i} 😀`).join("\n");
    const logTail = Array.from({ length: 20_000 }, (_, i) => `日志行 ${i}`).join("\n");
    const output = summarize({
      ...base,
      conclusion: "failure",
      failingStep: { name: "Test", tail },
      logTail,
    });
    expect(utf8Length(output.summary)).toBeLessThanOrEqual(OUTPUT_LIMIT);
    expect(utf8Length(output.text)).toBeLessThanOrEqual(OUTPUT_LIMIT);
    expect(output.summary).not.toContain("\ufffd");
    expect(output.summary).toContain("错误 9999 😀\n```");
    expect(output.text.endsWith("\n日志行 19999\n```")).toBe(true);
  });

  it("caps the text at 65535 from the front at a line start", () => {
    const logTail = Array.from({ length: 100_000 }, (_, i) => `log line ${i}`).join("\n") + "\n";
    const { text } = summarize({ ...base, logTail });
    expect(text.length).toBeLessThanOrEqual(OUTPUT_LIMIT);
    expect(text.length).toBeGreaterThan(OUTPUT_LIMIT - 30);
    expect(text).toMatch(/^```\nlog line \d+\n/);
    expect(text.endsWith("\nlog line 99999\n```")).toBe(true);
    const body = text.slice(4, -3);
    expect(logTail.endsWith(body)).toBe(true);
    expect(logTail[logTail.length - body.length - 1]).toBe("\n");
  });

  it("keeps the end of a single log line longer than the limit", () => {
    const { text } = summarize({ ...base, logTail: `${"😀".repeat(40_000)}end` });
    expect(text.startsWith("```\n😀")).toBe(true);
    expect(text.endsWith("😀end\n```")).toBe(true);
    expect(utf8Length(text)).toBeLessThanOrEqual(OUTPUT_LIMIT);
  });
});

// GitHub refuses a summary or text over 65,535 UTF-8 bytes ("exceeds a maximum bytesize", github/docs#35252).
describe.each(WIDE_LINES)("summarize cuts %s output to 65,535 bytes", (_kind, line) => {
  const outputOf = (bytes: number): string => `${linesOfBytes(line, bytes).join("\n")}\n`;
  const fenced = (block: string): string => block.slice("```\n".length, -"```".length);

  it.each([
    ["just over", OUTPUT_LIMIT + 10],
    ["far over", 4 * OUTPUT_LIMIT],
  ])("%s the limit: whole lines, valid UTF-8, the last line kept", (_over, bytes) => {
    const output = outputOf(bytes);
    const lastLine = output.slice(output.lastIndexOf("\n", output.length - 2) + 1);
    const report = summarize({
      ...base,
      conclusion: "failure",
      steps: [{ name: "Test", conclusion: "failure", exitCode: 1, durationMs: 5 }],
      failingStep: { name: "Test", tail: output },
      logTail: output,
    });
    for (const [field, value] of [["summary", report.summary], ["text", report.text]] as const) {
      expect(utf8Length(value), field).toBeLessThanOrEqual(OUTPUT_LIMIT);
      expect(Buffer.byteLength(value), field).toBe(utf8Length(value));
      expect(Buffer.from(value).toString(), field).toBe(value);
    }
    const block = report.summary.split("\n\n")[1]!;
    for (const body of [fenced(block), fenced(report.text)]) {
      expect(output.endsWith(body)).toBe(true);
      expect(output[output.length - body.length - 1]).toBe("\n");
      expect(body.endsWith(`\n${lastLine}`)).toBe(true);
    }
    expect(report.summary.endsWith("| Test | ✖ failure | 1 | 5 ms |")).toBe(true);
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0 ms"],
    [850, "850 ms"],
    [999.4, "999 ms"],
    [999.6, "1.0 s"],
    [12_345, "12.3 s"],
    [59_949, "59.9 s"],
    [59_950, "1 min"],
    [125_000, "2 min 5 s"],
    [3_599_600, "1 h"],
    [3_780_000, "1 h 3 min"],
    [-5, "0 ms"],
    [Number.NaN, "—"],
  ])("formats %d ms as %s", (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });
});

describe("summarize with step summaries", () => {
  const withSummaries = (steps: StepResult[]): RunReport => ({ ...base, steps });

  it("adds each step's Markdown under its name, after gantry's own sections", () => {
    const { summary } = summarize(
      withSummaries([
        { name: "Install", conclusion: "success", exitCode: 0, durationMs: 850 },
        { name: "Test", conclusion: "success", exitCode: 0, durationMs: 12_345, summary: "## Coverage\n\n| file | % |\n| --- | --- |\n| a.ts | 93 |\n" },
      ]),
    );
    const at = summary.indexOf('### Summary of step "Test"');
    expect(at).toBeGreaterThan(summary.indexOf("#### Steps"));
    expect(summary.slice(at)).toBe('### Summary of step "Test"\n\n## Coverage\n\n| file | % |\n| --- | --- |\n| a.ts | 93 |');
    expect(summary).not.toContain('Summary of step "Install"');
  });

  it("closes a code fence a step left open, so the summaries after it stay Markdown", () => {
    const { summary } = summarize(
      withSummaries([
        { name: "A", conclusion: "success", exitCode: 0, durationMs: 1, summary: "```\nunclosed" },
        { name: "B", conclusion: "success", exitCode: 0, durationMs: 1, summary: "**bold**" },
      ]),
    );
    expect(summary).toContain('```\nunclosed\n```\n\n### Summary of step "B"\n\n**bold**');
  });

  it("stays within 65,535 bytes: a long summary is cut at a line end and says so, those after it are named", () => {
    const big = Array.from({ length: 3000 }, (_, i) => `- line ${i} of the coverage report`).join("\n");
    const { summary } = summarize(
      withSummaries([
        { name: "Cover", conclusion: "success", exitCode: 0, durationMs: 1, summary: big, summaryCutBytes: 5000 },
        { name: "Bench", conclusion: "success", exitCode: 0, durationMs: 1, summary: big },
      ]),
    );
    expect(utf8Length(summary)).toBeLessThanOrEqual(OUTPUT_LIMIT);
    expect(summary).toMatch(new RegExp(`_Summary cut: \\d+ of ${utf8Length(big) + 5000} bytes shown._`));
    expect(summary).toContain('the summaries of step "Bench"');
    // gantry's own sections come whole
    expect(summary).toContain(lines(...table("| Cover | ✔ success | 0 | 1 ms |", "| Bench | ✔ success | 0 | 1 ms |")));
    const kept = summary.slice(summary.indexOf('### Summary of step "Cover"')).split("\n").filter((l) => l.startsWith("- line"));
    expect(kept.length).toBeGreaterThan(100);
    for (const line of kept) expect(big.split("\n")).toContain(line);
  });
});
