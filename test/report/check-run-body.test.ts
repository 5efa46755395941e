import { describe, expect, it } from "vitest";
import { OUTPUT_LIMIT, TITLE_LIMIT } from "../../src/report/check-run-output.js";
import { checkRunState } from "../../src/report/check-run-body.js";
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
