import { describe, expect, it } from "vitest";
import { OUTPUT_LIMIT, TITLE_LIMIT } from "../../src/report/check-run-output.js";
import { checkRunState } from "../../src/report/check-run-body.js";
import type { RunRecord, RunResult } from "../../src/runs/run-types.js";
import { run } from "../backend/storage/store-contract.js";

const valid = (s: string): boolean => Buffer.from(s).toString() === s;

/** What the worker records once step 0 checked the commit out. */
const checkedOut = [{ name: "Checkout", conclusion: "success" as const, exitCode: 0, durationMs: 5 }];

describe("checkRunState of a running run", () => {
  // Step names are as long as the config makes them; GitHub counts the summary's limit in UTF-8 bytes.
  it.each([
    ["emoji (4 bytes)", "😀🎉"],
    ["CJK (3 bytes)", "日志行"],
    ["mixed", "完成 ✅ €uro 😀"],
  ])("keeps a table of %s step names within 65,535 bytes, in whole rows", (_kind, text) => {
    const base = run("r1", "d1", "build");
    // An odd lead ("日") puts an emoji across the title's 255th unit.
    const steps = Array.from({ length: 40 }, (_, i) => ({ name: `日${text.repeat(300)} ${i}`, run: "true", timeoutMs: 60_000 }));
    const record = { ...base, state: "running" as const, startedAt: 1, progress: checkedOut, pipeline: { ...base.pipeline, steps } };
    const { output } = checkRunState(record, { logTail: "" });
    const summary = output!.summary;
    expect(Buffer.byteLength(summary)).toBeLessThanOrEqual(OUTPUT_LIMIT);
    expect(valid(summary)).toBe(true);
    const [table, notice] = summary.split("\n\n");
    expect(notice).toBe("_Summary truncated._");
    const rows = table!.split("\n").slice(2);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(steps.length);
    expect(rows[0]).toBe("| Checkout | success | 5 ms |");
    rows.slice(1).forEach((row, i) => expect(row).toMatch(new RegExp(` ${i} \\| (running|waiting) \\|  \\|$`)));
    expect(output!.title.length).toBeLessThanOrEqual(TITLE_LIMIT);
    expect(output!.title.startsWith("Running step 2 of 41: 日")).toBe(true);
    expect(valid(output!.title)).toBe(true);
  });

  it("leaves a table that fits whole", () => {
    const base = run("r1", "d1", "build");
    const steps = [{ name: "Install 😀", run: "npm ci", timeoutMs: 1 }, { name: "Test", run: "npm test", timeoutMs: 1 }];
    const record = { ...base, state: "running" as const, startedAt: 1, progress: checkedOut, pipeline: { ...base.pipeline, steps } };
    expect(checkRunState(record, { logTail: "" }).output).toEqual({
      title: "Running step 2 of 3: Install 😀",
      summary: "| Step | Result | Duration |\n| --- | --- | --- |\n| Checkout | success | 5 ms |\n| Install 😀 | running |  |\n| Test | waiting |  |",
    });
  });

  it("shows the checkout as step 1 while the commit is being checked out", () => {
    const base = run("r1", "d1", "build");
    const steps = [{ name: "Test", run: "npm test", timeoutMs: 1 }];
    const record = { ...base, state: "running" as const, startedAt: 1, progress: [], pipeline: { ...base.pipeline, steps } };
    expect(checkRunState(record, { logTail: "" }).output).toEqual({
      title: "Running step 1 of 2: Checkout",
      summary: "| Step | Result | Duration |\n| --- | --- | --- |\n| Checkout | running |  |\n| Test | waiting |  |",
    });
  });
});

describe("checkRunState of a waiting run", () => {
  it("keeps a title naming many needs within the title limit, on a character boundary", () => {
    const base = run("r1", "d1", "deploy");
    const needs = Array.from({ length: 100 }, (_, i) => `pipeline-${i}`);
    const record = { ...base, state: "waiting" as const, pipeline: { ...base.pipeline, needs } };
    const { output } = checkRunState(record, { logTail: "" });
    expect(output!.title.length).toBeLessThanOrEqual(TITLE_LIMIT);
    expect(output!.title.startsWith("Waiting for `pipeline-0`, `pipeline-1`")).toBe(true);
    expect(output!.summary).toContain("`pipeline-99`.");
  });
});

describe("checkRunState of a completed run", () => {
  const steps = [
    { name: "Install", conclusion: "success" as const, exitCode: 0, durationMs: 800 },
    { name: "Test", conclusion: "failure" as const, exitCode: 1, durationMs: 1_200 },
    { name: "Deploy", conclusion: "skipped" as const, exitCode: null, durationMs: null },
  ];
  const logTail = "==> Install\nadded 200 packages\n\n==> Test\nFAIL src/parser.test.ts\n\n==> Test: exited with code 1\n";
  // `failedStep`: the index an older gantry stored with the result; records in SQLite and Redis may still carry it
  const failed = (result: Partial<RunResult> & { failedStep?: number } = {}): RunRecord => {
    const base = run("r1", "d1", "build");
    return { ...base, state: "completed", startedAt: 1, completedAt: 3_000, result: { conclusion: "failure", steps, durationMs: 2_000, logTail, ...result } };
  };

  it("finds the failing step from the steps and leads with that step's own output", () => {
    const { output } = checkRunState(failed(), { logTail });
    expect(output!.title).toBe('✖ build failed at step "Test"');
    expect(output!.summary.startsWith('### ✖ Step "Test" failed with exit code 1\n\n```\nFAIL src/parser.test.ts\n```\n\n')).toBe(true);
  });

  it("reports a record an older gantry stored with the failing step's index exactly as one without it", () => {
    expect(checkRunState(failed({ failedStep: 1 }), { logTail })).toEqual(checkRunState(failed(), { logTail }));
  });

  it("names no step when the run ended before its steps (all skipped)", () => {
    const skipped = steps.map((step) => ({ ...step, conclusion: "skipped" as const, exitCode: null, durationMs: null }));
    const { output } = checkRunState(failed({ steps: skipped, reason: "checkout of aaaa failed" }), { logTail: "" });
    expect(output!.title).toBe("✖ build failed");
    expect(output!.summary.startsWith("**Reason:** checkout of aaaa failed\n\n- **Ref:** main")).toBe(true);
  });
});

describe("checkRunState of a queued run a worker holds back", () => {
  it("says why it waits, in the title and, escaped, in the summary", () => {
    const waiting = "Waiting for disk space: /srv/*gantry*_data has 1.2 GB free, less than GANTRY_MIN_FREE_GB (2.0 GB); it starts when space is freed";
    const state = checkRunState({ ...run("r1", "d1", "build"), waiting }, { logTail: "" });
    expect(state).toMatchObject({ status: "queued", output: { title: waiting } });
    expect(state.output!.summary).toBe(`${waiting.replace(/[*_()]/g, (c) => `\\${c}`)}.`);
    // once taken, the reason is gone from the record; a run that waits for others says so, whatever a worker said
    expect(checkRunState(run("r1", "d1", "build"), { logTail: "" }).output!.title).toBe("Queued");
  });
});
