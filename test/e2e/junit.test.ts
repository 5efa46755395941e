import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "./stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

// What a test runner leaves behind: one failure at a file of the repository (named by its absolute path, as
// runners do), one at a file the commit does not have, one passed, one skipped.
const WRITE_REPORT = `mkdir -p reports/unit
cat > reports/unit/junit.xml <<XML
<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="vitest tests">
  <testsuite name="src/math.test.ts" tests="4" failures="2" skipped="1" time="0.5">
    <testcase classname="src/math.test.ts" name="math &gt; adds" time="0.25"/>
    <testcase classname="src/math.test.ts" name="math &gt; pipes | and &lt;script&gt;" time="0.125" file="$PWD/src/math.test.ts">
      <failure message="expected 5 to be 4" type="AssertionError">AssertionError: expected 5 to be 4
 ❯ $PWD/src/math.test.ts:3:17</failure>
    </testcase>
    <testcase classname="gen" name="generated" time="0.125" file="build/generated.test.ts" line="9">
      <failure message="generated failed"/>
    </testcase>
    <testcase classname="src/math.test.ts" name="later" time="0"><skipped/></testcase>
  </testsuite>
</testsuites>
XML
`;

describe("JUnit reports", () => {
  it("turns a failed test case into an annotation at its file and line, and the summary gets a table of the tests", async () => {
    const repo = await stack.repo("junit", {
      ".github/gantry.yml": [
        "pipelines:",
        "  test:",
        "    reports:",
        '      junit: ["reports/**/*.xml"]',
        "    steps:",
        "      - name: Unit tests",
        "        run: sh write-report.sh && exit 1",
        "",
      ].join("\n"),
      "write-report.sh": WRITE_REPORT,
      "src/math.test.ts": 'import { expect, it } from "vitest";\n\nit("adds", () => expect(2 + 3).toBe(4));\n',
    });
    const { sha } = await stack.push(repo, {});
    const run = await stack.completed(repo, sha, "test");
    expect(run.conclusion).toBe("failure");
    // validated against GitHub's schema like every body; the failure outside the commit is not sent
    expect(run.annotations).toEqual([
      expect.objectContaining({ path: "src/math.test.ts", start_line: 3, end_line: 3, annotation_level: "failure", message: expect.stringContaining("expected 5 to be 4") }),
    ]);
    const summary = run.output.summary!;
    expect(summary).toContain("#### Tests\n\n| Passed | Failed | Skipped | Time |\n| --- | --- | --- | --- |\n| 1 | ✖ 2 | 1 | 500 ms |");
    expect(summary).toContain("| src/math.test.ts › math \\> pipes \\| and \\<script\\> | AssertionError: expected 5 to be 4 | src/math.test.ts:3 |");
    expect(summary).toContain("| gen › generated | generated failed | build/generated.test.ts:9 |");
    expect(summary.indexOf("#### Tests")).toBeLessThan(summary.indexOf("#### Steps"));
  });
});
