import { describe, expect, it } from "vitest";
import { ANNOTATIONS_PER_REQUEST, type CheckAnnotation } from "../../src/report/check-run-output.js";
import { utf8Length } from "../../src/report/markdown.js";
import { ANNOTATION_MESSAGE_BYTES, toCheckAnnotation } from "../../src/report/to-check-annotation.js";
import type { Annotation } from "../../src/runs/run-types.js";
import { applyCheckRunBody, newCheckRun } from "../fake-github/check-runs.js";
import { loadOperations } from "../fake-github/openapi-operations.js";
import { createBodyValidator } from "../fake-github/validate-body.js";

const operations = loadOperations();
const validate = createBodyValidator();
const update = operations.match("PATCH", "/repos/o/r/check-runs/1")!.operation;
const create = operations.match("POST", "/repos/o/r/check-runs")!.operation;

/** What GitHub would say to a create and an update carrying `annotations`: the schema (as the fake GitHub checks it) and the rules beyond it. */
function refusal(annotations: CheckAnnotation[]): string | undefined {
  const output = { title: "t", summary: "s", annotations };
  const body = { status: "completed", conclusion: "failure", output };
  const invalid = validate(update, body) ?? validate(create, { name: "n", head_sha: "a".repeat(40), ...body });
  if (invalid !== undefined) return invalid;
  try {
    applyCheckRunBody(newCheckRun({ id: 1, owner: "o", repo: "r", installationId: 1, headSha: "a".repeat(40), checkSuiteId: 1 }), body, false);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const at = (overrides: Partial<Annotation>): Annotation => ({ path: "src/a.ts", line: 3, message: "boom", ...overrides });

describe("toCheckAnnotation", () => {
  it("maps an annotation to GitHub's fields, a failure unless it says otherwise", () => {
    expect(toCheckAnnotation(at({ column: 5, endColumn: 9, title: "TS2322", source: "tsc", logLine: 12 }))).toEqual({
      path: "src/a.ts",
      start_line: 3,
      end_line: 3,
      start_column: 5,
      end_column: 9,
      annotation_level: "failure",
      title: "TS2322",
      message: "boom",
    });
    expect(toCheckAnnotation(at({ level: "warning" }))).toEqual({ path: "src/a.ts", start_line: 3, end_line: 3, annotation_level: "warning", message: "boom" });
    expect(toCheckAnnotation(at({ level: "notice" }))?.annotation_level).toBe("notice");
    // a record from elsewhere with a level GitHub does not know
    expect(toCheckAnnotation(at({ level: "error" as never }))?.annotation_level).toBe("failure");
  });

  it("gives columns only to single-line annotations, both of them, never running backwards", () => {
    expect(toCheckAnnotation(at({ endLine: 7, column: 5, endColumn: 9 }))).toEqual({ path: "src/a.ts", start_line: 3, end_line: 7, annotation_level: "failure", message: "boom" });
    expect(toCheckAnnotation(at({ column: 5 }))).toMatchObject({ start_column: 5, end_column: 5 });
    expect(toCheckAnnotation(at({ column: 5, endColumn: 2 }))).toMatchObject({ start_column: 5, end_column: 5 });
    expect(toCheckAnnotation(at({ endLine: 3, column: 5, endColumn: 6 }))).toMatchObject({ start_line: 3, end_line: 3, start_column: 5, end_column: 6 });
    expect(toCheckAnnotation(at({ endLine: 1 }))).toMatchObject({ start_line: 3, end_line: 3 });
    for (const column of [0, -1, 1.5, Number.NaN, 2 ** 31]) {
      const mapped = toCheckAnnotation(at({ column, endColumn: 9 }))!;
      expect(mapped, String(column)).not.toHaveProperty("start_column");
      expect(mapped).not.toHaveProperty("end_column");
    }
  });

  it("leaves out what GitHub cannot show on a file of the commit", () => {
    for (const odd of [
      at({ inRepository: false }),
      at({ path: "" }),
      at({ line: 0 }),
      at({ line: -3 }),
      at({ line: 2.5 }),
      at({ line: Number.NaN }),
      at({ line: 2 ** 31 }),
      at({ path: "/home/runner/work/src/a.ts" }),
      at({ path: "../outside.ts" }),
      at({ path: "src/../../outside.ts" }),
      at({ path: "src//a.ts" }),
      at({ path: "src/a.ts\n" }),
      at({ path: "x".repeat(5000) }),
    ]) {
      expect(toCheckAnnotation(odd), JSON.stringify(odd).slice(0, 80)).toBe(null);
    }
    expect(toCheckAnnotation(at({ inRepository: true }))).not.toBe(null);
  });

  it("bounds untrusted titles and messages: titles one plain line of 255 characters, messages 4 KB without control characters", () => {
    const title = toCheckAnnotation(at({ title: `a\nb\r\n\tc\u0007 ${"😀".repeat(300)}` }))!.title!;
    expect(title.startsWith("a b c 😀")).toBe(true);
    expect(title.length).toBeLessThanOrEqual(255);
    expect(title.endsWith("…")).toBe(true);
    expect(toCheckAnnotation(at({ title: " \n " }))).not.toHaveProperty("title");
    const long = toCheckAnnotation(at({ message: "😀".repeat(5000) }))!.message;
    expect(utf8Length(long)).toBeLessThanOrEqual(ANNOTATION_MESSAGE_BYTES);
    expect(long).toMatch(/^(😀)+…$/u);
    expect(toCheckAnnotation(at({ message: "line 1\r\nline 2\u001b[31m red\u0000\n\n" }))!.message).toBe("line 1\nline 2 red");
    // GitHub refuses an empty message
    expect(toCheckAnnotation(at({ message: "  ", title: "Only a title" }))!.message).toBe("Only a title");
    expect(toCheckAnnotation(at({ message: "" }))!.message).toBe("(no message)");
  });

  it("produces only annotations GitHub takes, 50 to a request, whatever the input", () => {
    const weird: Annotation[] = [];
    const numbers = [undefined, -1, 0, 1, 2, 7, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31 - 1, 2 ** 31];
    for (const line of numbers) {
      for (const endLine of numbers) {
        for (const column of numbers) {
          weird.push({
            path: "src/a.ts",
            line: line ?? 0,
            ...(endLine === undefined ? {} : { endLine }),
            ...(column === undefined ? {} : { column, endColumn: column === 7 ? 3 : (column ?? 0) + 1 }),
            level: (["failure", "warning", "notice", "bogus"] as const)[weird.length % 4] as never,
            title: weird.length % 3 === 0 ? "t".repeat(300) : "\n",
            message: weird.length % 5 === 0 ? "m".repeat(70_000) : weird.length % 7 === 0 ? "" : "<b>x</b>",
          });
        }
      }
    }
    const mapped = weird.map(toCheckAnnotation).filter((a): a is CheckAnnotation => a !== null);
    expect(mapped.length).toBeGreaterThan(100);
    for (let i = 0; i < mapped.length; i += ANNOTATIONS_PER_REQUEST) {
      expect(refusal(mapped.slice(i, i + ANNOTATIONS_PER_REQUEST))).toBeUndefined();
    }
    // the checks can fail: GitHub's own limits, as the fake GitHub enforces them
    expect(refusal(mapped.slice(0, ANNOTATIONS_PER_REQUEST + 1))).toMatch(/must NOT have more than 50 items/);
    const valid = mapped[0]!;
    expect(refusal([{ ...valid, start_line: 1, end_line: 2, start_column: 1, end_column: 2 }])).toMatch(/columns on an annotation of several lines/);
    expect(refusal([{ ...valid, start_line: 1, end_line: 1, start_column: 4 }])).toMatch(/only one of start_column and end_column/);
    expect(refusal([{ ...valid, title: "t".repeat(256) }])).toMatch(/title is over 255/);
    expect(refusal([{ ...valid, annotation_level: "error" as never }])).toMatch(/annotation_level/);
  });
});
