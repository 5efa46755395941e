import { realpath } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { MAX_ANNOTATIONS } from "../../runs/log-scan.js";
import { toPlainText } from "../../runs/plain-text.js";
import { MAX_TEST_FAILURES, type Annotation, type TestReport } from "../../runs/run-types.js";
import { truncateChars } from "../../report/markdown.js";
import { createFileChecker } from "./create-file-checker.js";
import { findReportFiles } from "./find-report-files.js";
import { locateFailure } from "./locate-failure.js";
import { mib, openReportFile } from "./open-report-file.js";
import { createJunitParser, JunitError, type ParsedCase } from "./parse-junit.js";
import {
  FAILURE_SUMMARY_CHARS,
  FAILURE_TEXT_LINES,
  MAX_REPORT_BYTES,
  MAX_REPORT_PROBLEMS,
  MAX_REPORTS_TOTAL_BYTES,
  MESSAGE_CHARS,
  PROBLEM_CHARS,
  TITLE_CHARS,
} from "./report-limits.js";

export interface ReadJunitReportsOptions {
  /** The run's checkout, after its last step. */
  workspace: string;
  /** The pipeline's `reports.junit` globs, relative to the repository root. */
  globs: readonly string[];
  /** Applied to every text taken from the reports (the run's secrets masker). */
  mask?: (text: string) => string;
}

export interface JunitReports {
  tests: TestReport;
  /** One per failed case (`source: "junit"`), at most MAX_ANNOTATIONS. */
  annotations: Annotation[];
  /** Failed cases beyond MAX_ANNOTATIONS. */
  omittedAnnotations: number;
}

const READ_CHUNK = 64 * 1024;

/**
 * What a run's JUnit reports say: counts, the failed cases as annotations at their file and line, and the
 * files that could not be read. Never throws: what went wrong is one of the report's problems.
 */
export async function readJunitReports(options: ReadJunitReportsOptions): Promise<JunitReports> {
  const mask = options.mask ?? ((text: string) => text);
  const counts = { passed: 0, failed: 0, skipped: 0, timeMs: null as number | null };
  const failed: Array<{ testCase: ParsedCase; reportPath: string }> = [];
  const problems: string[] = [];
  let omittedFailures = 0;
  try {
    const workspace = options.workspace;
    const real = await realpath(workspace);
    const found = await findReportFiles(workspace, options.globs);
    problems.push(...found.problems);
    if (found.files.length === 0) problems.push(`no report file matched ${options.globs.map((glob) => JSON.stringify(glob)).join(", ")}`);
    let total = 0;
    for (const path of found.files) {
      const opened = await openReportFile(workspace, real, path);
      if (!opened.ok) {
        problems.push(`${path}: ${opened.problem}`);
        continue;
      }
      try {
        if (total + opened.size > MAX_REPORTS_TOTAL_BYTES) {
          problems.push(`${path}: not read; the reports together would pass ${mib(MAX_REPORTS_TOTAL_BYTES)}`);
          continue;
        }
        total += opened.size;
        // a file counts whole or not at all: one cut short or broken halfway is a problem, not half a report
        const cases: ParsedCase[] = [];
        const fileCounts = { passed: 0, failed: 0, skipped: 0, timeMs: null as number | null };
        await parseFile(opened.handle, (testCase) => {
          fileCounts[testCase.status]++;
          if (testCase.timeMs !== null) fileCounts.timeMs = (fileCounts.timeMs ?? 0) + testCase.timeMs;
          if (testCase.status === "failed" && failed.length + cases.length < MAX_ANNOTATIONS) cases.push(testCase);
        });
        counts.passed += fileCounts.passed;
        counts.failed += fileCounts.failed;
        counts.skipped += fileCounts.skipped;
        if (fileCounts.timeMs !== null) counts.timeMs = (counts.timeMs ?? 0) + fileCounts.timeMs;
        failed.push(...cases.map((testCase) => ({ testCase, reportPath: path })));
      } catch (error) {
        problems.push(`${path}: ${error instanceof JunitError ? error.message : `could not be read (${errorText(error)})`}`);
      } finally {
        await opened.handle.close();
      }
    }
    const isFile = createFileChecker(workspace);
    const workspaces = [...new Set([workspace.replace(/\/+$/, ""), real])];
    const annotations: Annotation[] = [];
    const failures: TestReport["failures"] = [];
    for (const { testCase, reportPath } of failed) {
      const where = await locateFailure(testCase, { workspaces, reportPath, isFile });
      const title = mask(titleOf(testCase));
      const message = mask(failureMessage(testCase));
      const path = mask(where.path);
      annotations.push({
        path,
        line: where.line,
        ...(where.column ? { column: where.column } : {}),
        level: "failure",
        title,
        message,
        inRepository: where.inRepository && path === where.path,
        source: "junit",
      });
      if (failures.length < MAX_TEST_FAILURES) {
        failures.push({
          suite: mask(plain(suiteOf(testCase))),
          name: mask(plain(testCase.name)),
          message: truncateChars(message, FAILURE_SUMMARY_CHARS, "…"),
          timeMs: testCase.timeMs,
          ...(path ? { path } : {}),
          ...(where.line > 0 ? { line: where.line } : {}),
        });
      }
    }
    omittedFailures = counts.failed - failures.length;
    return {
      tests: { ...counts, failures, omittedFailures, problems: boundProblems(problems, mask) },
      annotations,
      omittedAnnotations: counts.failed - annotations.length,
    };
  } catch (error) {
    problems.push(`gantry could not read the reports: ${errorText(error)}`);
    return {
      tests: { ...counts, failures: [], omittedFailures: counts.failed, problems: boundProblems(problems, mask) },
      annotations: [],
      omittedAnnotations: counts.failed,
    };
  }
}

/** Feeds the file to the parser in pieces, giving the event loop a turn between them. */
async function parseFile(handle: FileHandle, onCase: (testCase: ParsedCase) => void): Promise<void> {
  const parser = createJunitParser(onCase);
  const decoder = new TextDecoder("utf-8");
  const buffer = Buffer.alloc(READ_CHUNK);
  let read = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, READ_CHUNK, null);
    if (bytesRead === 0) break;
    read += bytesRead;
    // it may have grown since it was measured
    if (read > MAX_REPORT_BYTES) throw new JunitError(`more than the ${mib(MAX_REPORT_BYTES)} a report may have; not read`);
    parser.write(decoder.decode(buffer.subarray(0, bytesRead), { stream: true }));
  }
  parser.write(decoder.decode());
  parser.close();
}

/** `suite › case`: the class name where it says more than the case's name, else the suite's. */
function suiteOf(testCase: ParsedCase): string {
  return testCase.classname !== "" && testCase.classname !== testCase.name ? testCase.classname : testCase.suite;
}

function titleOf(testCase: ParsedCase): string {
  const suite = plain(suiteOf(testCase));
  const name = plain(testCase.name) || "(unnamed test)";
  return truncateChars(suite === "" ? name : `${suite} › ${name}`, TITLE_CHARS, "…");
}

/** The failure's message, then the first lines of its text (which often repeats the message first). */
function failureMessage(testCase: ParsedCase): string {
  const failure = testCase.failure;
  const head = toPlainText(failure?.message ?? "").trim();
  const body = toPlainText(failure?.text ?? "").trim().split("\n").slice(0, FAILURE_TEXT_LINES).join("\n").trimEnd();
  let message = head === "" || body.includes(head) ? body : body === "" ? head : `${head}\n\n${body}`;
  if (message === "") message = `${failure?.kind === "error" ? "The test ended with an error" : "The test failed"}${failure?.type ? ` (${plain(failure.type)})` : ""}.`;
  return truncateChars(message, MESSAGE_CHARS, "…");
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// names go on one line: no controls, no escape sequences, no runs of white space
function plain(text: string): string {
  return toPlainText(text).replace(/\s+/g, " ").trim();
}

function boundProblems(problems: readonly string[], mask: (text: string) => string): string[] {
  const kept = problems.slice(0, MAX_REPORT_PROBLEMS).map((problem) => truncateChars(mask(plain(problem)), PROBLEM_CHARS, "…"));
  const more = problems.length - kept.length;
  return more > 0 ? [...kept, `…and ${more} more ${more === 1 ? "problem" : "problems"}`] : kept;
}
