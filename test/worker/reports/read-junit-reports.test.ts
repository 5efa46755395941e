import { execFileSync } from "node:child_process";
import { link, mkdir, mkdtemp, readFile, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MAX_ANNOTATIONS } from "../../../src/runs/log-scan.js";
import { MAX_TEST_FAILURES } from "../../../src/runs/run-types.js";
import { readJunitReports } from "../../../src/worker/reports/read-junit-reports.js";
import { MAX_REPORT_BYTES, MAX_REPORT_FILES } from "../../../src/worker/reports/report-limits.js";

const FIXTURES = new URL("../../fixtures/junit/", import.meta.url);
let root: string;
let workspace: string;
/** Outside the workspace: what a hostile step would like gantry to read for it (another run's files, the data dir). */
let outside: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "gantry-junit-"));
  workspace = join(root, "workspaces", "run-1");
  outside = join(root, "data");
  await mkdir(workspace, { recursive: true });
  await mkdir(outside, { recursive: true });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function put(path: string, text: string | Buffer): Promise<string> {
  const full = join(workspace, path);
  await mkdir(dirname(full), { recursive: true });
  await writeFile(full, text);
  return full;
}

async function fixture(name: string, path: string): Promise<void> {
  const text = await readFile(new URL(name, FIXTURES), "utf8");
  await put(path, text.replaceAll("__WORKSPACE__", workspace));
}

const read = (globs: string[], mask?: (text: string) => string) => readJunitReports({ workspace, globs, ...(mask ? { mask } : {}) });

const suite = (cases: string) => `<?xml version="1.0"?>\n<testsuite name="s">${cases}</testsuite>\n`;
const SECRET_REPORT = suite(`<testcase name="leaked-from-outside"><failure message="root:x:0:0"/></testcase>`);

describe("readJunitReports on the formats tools write", () => {
  it("reads vitest's report: counts, time, and the failure at the ❯ frame of its test file", async () => {
    await fixture("vitest.xml", "reports/vitest.xml");
    await put("test/math.test.ts", "// the test file\n");
    const { tests, annotations } = await read(["reports/**/*.xml"]);
    expect(tests).toMatchObject({ passed: 1, failed: 1, skipped: 1, omittedFailures: 0, problems: [] });
    expect(tests.timeMs).toBe(2 + 7 + 0);
    expect(annotations).toEqual([
      {
        path: "test/math.test.ts",
        line: 8,
        column: 19,
        level: "failure",
        title: "test/math.test.ts › math > subtracts",
        message: expect.stringMatching(/^AssertionError: expected 2 to be 1 \/\/ Object\.is equality\n\n- Expected\n\+ Received/),
        inRepository: true,
        source: "junit",
      },
    ]);
    expect(tests.failures).toEqual([
      { suite: "test/math.test.ts", name: "math > subtracts", message: annotations[0]!.message, timeMs: 7, path: "test/math.test.ts", line: 8 },
    ]);
  });

  it("reads jest-junit's report: the workspace prefix stripped, node_modules frames passed over", async () => {
    await fixture("jest-junit.xml", "junit.xml");
    await put("src/sum.test.js", "test()\n");
    await put("node_modules/jest-circus/build/utils.js", "x\n");
    const { tests, annotations } = await read(["junit.xml"]);
    expect(tests).toMatchObject({ passed: 1, failed: 1, skipped: 1 });
    expect(annotations).toHaveLength(1);
    expect(annotations[0]).toMatchObject({ path: "src/sum.test.js", line: 9, column: 25, inRepository: true, title: "sum › sum adds negative numbers" });
    expect(annotations[0]!.message).toContain("Expected: -3\nReceived: -1");
  });

  it("reads pytest's xunit1 report: the file attribute, and the deepest traceback line in that file", async () => {
    await fixture("pytest-xunit1.xml", "build/pytest.xml");
    await put("tests/test_math.py", "def test(): pass\n");
    const { tests, annotations } = await read(["build/*.xml"]);
    expect(tests).toMatchObject({ passed: 1, failed: 2, skipped: 1 });
    expect(tests.timeMs).toBe(5 + 1 + 3 + 1);
    expect(annotations.map((a) => [a.path, a.line, a.title, a.inRepository])).toEqual([
      ["tests/test_math.py", 5, "tests.test_math › test_subtracts", true],
      ["tests/test_math.py", 22, "tests.test_math › test_errors", true],
    ]);
    expect(annotations[0]!.message).toMatch(/^AssertionError: value should be two\nassert 1 == 2\n\ndef test_subtracts\(\):\n>       helper\(3 - 2\)/);
    expect(annotations[1]!.message).toContain("RuntimeError: boom <&>");
  });

  it("reads pytest's default (xunit2) report, which names no file, from its traceback", async () => {
    await fixture("pytest.xml", "pytest.xml");
    await put("tests/test_math.py", "def test(): pass\n");
    const { annotations } = await read(["*.xml"]);
    expect(annotations.map((a) => [a.path, a.line])).toEqual([
      ["tests/test_math.py", 5],
      ["tests/test_math.py", 22],
    ]);
  });

  it("reads Maven Surefire's report: failures and errors, the Java frame of the test class found under the module's sources", async () => {
    await fixture("surefire.xml", "core/target/surefire-reports/TEST-com.example.CalculatorTest.xml");
    await put("core/src/test/java/com/example/CalculatorTest.java", "class CalculatorTest {}\n");
    const { tests, annotations } = await read(["**/target/surefire-reports/TEST-*.xml"]);
    expect(tests).toMatchObject({ passed: 1, failed: 2, skipped: 0, timeMs: 16 });
    expect(annotations.map((a) => [a.path, a.line, a.title, a.inRepository])).toEqual([
      ["core/src/test/java/com/example/CalculatorTest.java", 21, "com.example.CalculatorTest › divides", true],
      ["core/src/test/java/com/example/CalculatorTest.java", 27, "com.example.CalculatorTest › parses", true],
    ]);
    // the text repeats the message: said once
    expect(annotations[0]!.message).toMatch(/^org\.opentest4j\.AssertionFailedError: expected: <2> but was: <3>\n\tat org\.junit/);
    expect(annotations[0]!.message).not.toContain("dividing 6 by 2");
  });

  it("keeps a failure whose file is not in the checkout, with inRepository false, and one that names no file with path ''", async () => {
    await put(
      "r.xml",
      suite(
        `<testcase name="gone" file="src/deleted.ts" line="3"><failure message="m1"/></testcase>` +
          `<testcase name="nowhere" classname="pkg.Thing"><failure message="m2">at /usr/lib/node/x.js:1:2</failure></testcase>` +
          `<testcase name="escapes" file="../../etc/passwd"><failure message="m3"/></testcase>`,
      ),
    );
    const { annotations } = await read(["r.xml"]);
    expect(annotations.map((a) => [a.path, a.line, a.inRepository])).toEqual([
      ["src/deleted.ts", 3, false],
      ["", 0, false],
      ["", 0, false],
    ]);
  });

  it("sums several files, nested suites, and a file given twice by two globs only once", async () => {
    await put("a/one.xml", `<testsuites><testsuite name="outer"><testsuite name="inner"><testcase name="x"><failure/></testcase></testsuite><testcase name="y"/></testsuite></testsuites>`);
    await put("b/two.xml", suite(`<testcase name="z"><skipped/></testcase>`));
    const { tests, annotations } = await read(["a/*.xml", "**/*.xml", "!b/**"]);
    expect(tests).toMatchObject({ passed: 1, failed: 1, skipped: 0 });
    expect(annotations[0]).toMatchObject({ title: "inner › x", message: "The test failed." });
    const both = await read(["./a/*.xml", "b/two.xml"]);
    expect(both.tests).toMatchObject({ passed: 1, failed: 1, skipped: 1, timeMs: null });
  });

  it("takes odd names and attributes as text: __proto__, constructor, times that are no times", async () => {
    await put(
      "r.xml",
      `<testsuites><testsuite name="__proto__"><__proto__ polluted="yes"/><testcase name="constructor" classname="__proto__" __proto__="x" time="1e400"><failure message="toString"/></testcase><testcase name="n" time="-1"/><testcase name="m" time="soon"/></testsuite></testsuites>`,
    );
    const { tests, annotations } = await read(["r.xml"]);
    expect(tests).toMatchObject({ passed: 2, failed: 1, timeMs: null });
    expect(annotations[0]).toMatchObject({ title: "__proto__ › constructor", message: "toString" });
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });

  it("says when no file matched", async () => {
    const { tests } = await read(["reports/**/*.xml"]);
    expect(tests).toEqual({ passed: 0, failed: 0, skipped: 0, timeMs: null, failures: [], omittedFailures: 0, problems: ['no report file matched "reports/**/*.xml"'] });
  });

  it("masks the run's secrets in everything it takes from the reports", async () => {
    await put("reports/s3cret-dir/r.xml", suite(`<testcase name="uses s3cret" file="s3cret.ts"><failure message="token s3cret leaked"/></testcase>`));
    await put("reports/bad.xml", "<testsuite><s3cret></testsuite>");
    const result = await read(["reports/**/*.xml"], (text) => text.replaceAll("s3cret", "***"));
    expect(JSON.stringify(result)).not.toContain("s3cret");
    expect(result.annotations[0]).toMatchObject({ title: "s › uses ***", message: "token *** leaked", path: "***.ts", inRepository: false });
  });
});

describe("readJunitReports on a workspace written by hostile code", () => {
  it("does not follow a report that is a symbolic link to /etc/passwd or to a file of the data directory", async () => {
    await writeFile(join(outside, "other-run.xml"), SECRET_REPORT);
    await mkdir(join(workspace, "reports"));
    await symlink("/etc/passwd", join(workspace, "reports", "passwd.xml"));
    await symlink(join(outside, "other-run.xml"), join(workspace, "reports", "data.xml"));
    const result = await read(["reports/*.xml", "reports/data.xml"]);
    expect(result.tests).toMatchObject({ passed: 0, failed: 0, skipped: 0 });
    expect(result.tests.problems).toEqual(["reports/data.xml: a symbolic link; not followed", "reports/passwd.xml: a symbolic link; not followed", 'no report file matched "reports/*.xml", "reports/data.xml"']);
    expect(JSON.stringify(result)).not.toMatch(/leaked-from-outside|root:x/);
  });

  it("does not walk through a directory symbolic link on the glob's path or below it", async () => {
    await writeFile(join(outside, "TEST-x.xml"), SECRET_REPORT);
    await symlink(outside, join(workspace, "reports"));
    await mkdir(join(workspace, "build"));
    await symlink(outside, join(workspace, "build", "out"));
    const direct = await read(["reports/*.xml"]);
    expect(direct.tests.problems[0]).toBe("reports: a symbolic link; not followed");
    const named = await read(["reports/sub/*.xml", "build/out/TEST-x.xml"]);
    expect(named.tests.problems.slice(0, 2)).toEqual(["build/out: a symbolic link; not followed", "reports: a symbolic link; not followed"]);
    const deep = await read(["**/*.xml"]);
    expect(deep.tests).toMatchObject({ passed: 0, failed: 0, problems: ['no report file matched "**/*.xml"'] });
    expect(JSON.stringify([direct, named, deep])).not.toContain("leaked-from-outside");
  });

  it("refuses a FIFO without waiting on it, and a hard link to a file outside", async () => {
    await mkdir(join(workspace, "reports"));
    execFileSync("mkfifo", [join(workspace, "reports", "fifo.xml")]);
    await writeFile(join(outside, "secret.xml"), SECRET_REPORT);
    await link(join(outside, "secret.xml"), join(workspace, "reports", "hard.xml"));
    await put("reports/ok.xml", suite(`<testcase name="fine"/>`));
    const result = await read(["reports/*.xml"]);
    expect(result.tests.passed).toBe(1);
    expect(result.tests.problems).toEqual(["reports/fifo.xml: not a regular file; not read", "reports/hard.xml: a hard link (the file has other names); not read"]);
  });

  it("does not read a file over 20 MiB, nor past 50 MiB in all", async () => {
    await put("reports/a-huge.xml", "");
    await truncate(join(workspace, "reports", "a-huge.xml"), MAX_REPORT_BYTES + 1);
    const body = suite(`<testcase name="t"/>`);
    const big = Buffer.alloc(MAX_REPORT_BYTES - 1024, " ");
    for (const name of ["b", "c", "d"]) await put(`reports/${name}.xml`, Buffer.concat([Buffer.from(body), big]));
    const started = Date.now();
    const { tests } = await read(["reports/*.xml"]);
    expect(tests.problems).toEqual(["reports/a-huge.xml: 20 MiB, more than the 20 MiB a report may have; not read", "reports/d.xml: not read; the reports together would pass 50 MiB"]);
    expect(tests.passed).toBe(2);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("expands no entity a DOCTYPE declares: billion laughs and external entities are errors, quickly", async () => {
    const lol = ['<!ENTITY lol "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 2} "${`&lol${i === 0 ? "" : i + 1};`.repeat(10)}">`)].join("\n");
    await put("r/laughs.xml", `<?xml version="1.0"?>\n<!DOCTYPE lolz [\n${lol}\n]>\n<testsuite name="&lol10;"><testcase name="&lol10;"><failure message="&lol10;"/></testcase></testsuite>`);
    await put("r/xxe.xml", `<?xml version="1.0"?>\n<!DOCTYPE t [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<testsuite><testcase name="&xxe;"><failure>&xxe;</failure></testcase></testsuite>`);
    const started = Date.now();
    const result = await read(["r/*.xml"]);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(result.tests.problems).toEqual([
      expect.stringMatching(/^r\/laughs\.xml: not well-formed XML \(\d+:\d+: undefined entity\)$/),
      expect.stringMatching(/^r\/xxe\.xml: not well-formed XML \(\d+:\d+: undefined entity\)$/),
    ]);
    expect(JSON.stringify(result)).not.toMatch(/lollol|root:/);
  });

  it("names invalid, cut-short and non-JUnit files as problems and still counts the good ones", async () => {
    await put("r/bad.xml", "<testsuite><testcase name='a'></testsuite>");
    await put("r/cut.xml", "<testsuites><testsuite><testcase name='a'/>");
    await put("r/html.xml", "<html><body/></html>");
    await put("r/empty.xml", "");
    await put("r/text.xml", "not xml at all");
    await put("r/good.xml", suite(`<testcase name="a"/><testcase name="b"><error message="boom" type="TypeError"/></testcase>`));
    const { tests, annotations } = await read(["r/*.xml"]);
    expect(tests).toMatchObject({ passed: 1, failed: 1 });
    expect(annotations[0]).toMatchObject({ title: "s › b", message: "boom" });
    expect(tests.problems).toEqual([
      "r/bad.xml: not well-formed XML (1:42: unexpected close tag)",
      expect.stringMatching(/^r\/cut\.xml: not well-formed XML/),
      expect.stringMatching(/^r\/empty\.xml: not well-formed XML/),
      "r/html.xml: not a JUnit report (its root element is <html>, not <testsuites> or <testsuite>)",
      expect.stringMatching(/^r\/text\.xml: not well-formed XML/),
    ]);
  });

  it("reads 10,000 test cases, keeping MAX_ANNOTATIONS annotations and MAX_TEST_FAILURES failures", async () => {
    const cases = Array.from({ length: 10_000 }, (_, i) =>
      i % 2 === 0 ? `<testcase classname="c" name="t${i}" time="0.001"/>` : `<testcase classname="c" name="t${i}" time="0.001" file="src/a.ts" line="${i}"><failure message="m${i}">${"x".repeat(1_500)}</failure></testcase>`,
    );
    await put("src/a.ts", "x\n");
    await put("big.xml", suite(cases.join("\n")));
    const started = Date.now();
    const result = await read(["big.xml"]);
    const elapsed = Date.now() - started;
    expect(result.tests).toMatchObject({ passed: 5_000, failed: 5_000, skipped: 0, timeMs: 10_000, omittedFailures: 5_000 - MAX_TEST_FAILURES });
    expect(result.tests.failures).toHaveLength(MAX_TEST_FAILURES);
    expect(result.annotations).toHaveLength(MAX_ANNOTATIONS);
    expect(result.omittedAnnotations).toBe(5_000 - MAX_ANNOTATIONS);
    expect(result.annotations[0]).toMatchObject({ path: "src/a.ts", line: 1, title: "c › t1", inRepository: true });
    expect(Math.max(...result.annotations.map((a) => a.message.length))).toBeLessThanOrEqual(4_000);
    console.log(`10,000 cases (${(cases.join("").length / 1e6).toFixed(1)} MB): ${elapsed} ms`);
    expect(elapsed).toBeLessThan(10_000);
  });

  it("reads at most MAX_REPORT_FILES files and says how many it left", async () => {
    for (let i = 0; i < MAX_REPORT_FILES + 5; i++) await put(`r/${String(i).padStart(3, "0")}.xml`, suite(`<testcase name="t"/>`));
    const { tests } = await read(["r/*.xml"]);
    expect(tests.passed).toBe(MAX_REPORT_FILES);
    expect(tests.problems).toEqual([`5 more report files matched; only the first ${MAX_REPORT_FILES} were read`]);
  });
});
