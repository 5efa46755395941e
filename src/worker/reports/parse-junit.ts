import { SaxesParser } from "saxes";
import { FAILURE_TEXT_CHARS, NAME_CHARS } from "./report-limits.js";
import { truncateChars } from "../../report/markdown.js";

/** One `<testcase>` as the report has it, every text bounded (FAILURE_TEXT_CHARS, NAME_CHARS). */
export interface ParsedCase {
  /** Name of the innermost `<testsuite>` around it; "" when none. */
  suite: string;
  classname: string;
  name: string;
  /** The `file` attribute, as written; "" when absent. */
  file: string;
  /** The `line` attribute; null when absent or not a positive number. */
  line: number | null;
  timeMs: number | null;
  status: "passed" | "failed" | "skipped";
  /** The first `<failure>` or `<error>` of a failed case. */
  failure?: { kind: "failure" | "error"; message: string; type: string; text: string };
}

export interface JunitParser {
  /** Feeds the next piece of the document; throws a JunitError when it is not well-formed or not JUnit. */
  write(chunk: string): void;
  /** Ends the document; throws like write when it was cut short. */
  close(): void;
}

export class JunitError extends Error {}

const ROOTS = new Set(["testsuites", "testsuite"]);
const MAX_CASE_SECONDS = 365 * 24 * 3600;

/**
 * A streaming reader of JUnit XML (`<testsuites>`/`<testsuite>`, nested suites too, `<testcase>` with `<failure>`,
 * `<error>`, `<skipped>`) as vitest, jest-junit, pytest and Maven Surefire write it. saxes is a strict XML parser
 * that expands no entity a DOCTYPE declares (an undefined entity is an error): no billion laughs, no external
 * entities. Only what a case needs is kept, so memory does not grow with the size of `<system-out>`.
 */
export function createJunitParser(onCase: (testCase: ParsedCase) => void): JunitParser {
  const parser = new SaxesParser({ position: true });
  const suites: string[] = [];
  let current: ParsedCase | null = null;
  /** Inside the case's first `<failure>` or `<error>`, whose text is kept. */
  let capturing = false;
  let depth = 0;
  /** Depth of the open `<testcase>`; -1 when none is. */
  let caseDepth = -1;

  parser.on("error", (error) => {
    throw new JunitError(`not well-formed XML (${error.message.replace(/\.$/, "")})`);
  });
  parser.on("opentag", (tag) => {
    depth++;
    if (depth === 1 && !ROOTS.has(tag.name)) throw new JunitError(`not a JUnit report (its root element is <${truncateChars(tag.name, 40, "…")}>, not <testsuites> or <testsuite>)`);
    if (tag.name === "testsuite") suites.push(attribute(tag, "name"));
    else if (tag.name === "testcase" && current === null) {
      current = {
        suite: suites.at(-1) ?? "",
        classname: attribute(tag, "classname"),
        name: attribute(tag, "name"),
        file: attribute(tag, "file"),
        line: positiveInteger(attribute(tag, "line")),
        timeMs: milliseconds(attribute(tag, "time")),
        status: "passed",
      };
      caseDepth = depth;
    } else if (current !== null && depth === caseDepth + 1) {
      if ((tag.name === "failure" || tag.name === "error") && current.failure === undefined) {
        current.status = "failed";
        current.failure = { kind: tag.name, message: attribute(tag, "message", FAILURE_TEXT_CHARS), type: attribute(tag, "type"), text: "" };
        capturing = true;
      } else if (tag.name === "skipped" && current.status === "passed") {
        current.status = "skipped";
      }
    }
    if (tag.isSelfClosing) close(tag.name);
  });
  parser.on("closetag", (tag) => {
    if (!tag.isSelfClosing) close(tag.name);
  });
  const text = (chunk: string) => {
    if (!capturing || current?.failure === undefined) return;
    const failure = current.failure;
    if (failure.text.length < FAILURE_TEXT_CHARS) failure.text = truncateChars(failure.text + chunk, FAILURE_TEXT_CHARS);
  };
  parser.on("text", text);
  parser.on("cdata", text);

  function close(name: string): void {
    if (capturing && depth === caseDepth + 1) capturing = false;
    if (name === "testcase" && depth === caseDepth && current !== null) {
      const done = current;
      current = null;
      caseDepth = -1;
      onCase(done);
    } else if (name === "testsuite") {
      suites.pop();
    }
    depth--;
  }

  return {
    write(chunk) {
      parser.write(chunk);
    },
    close() {
      parser.close();
      if (depth !== 0) throw new JunitError("not well-formed XML (the document ends inside an element)");
    },
  };
}

function attribute(tag: { attributes: Record<string, unknown> }, name: string, max = NAME_CHARS): string {
  const value = Object.hasOwn(tag.attributes, name) ? tag.attributes[name] : undefined;
  return typeof value === "string" ? truncateChars(value, max, "…") : "";
}

function positiveInteger(text: string): number | null {
  if (!/^\s*\d{1,9}\s*$/.test(text)) return null;
  const value = Number(text);
  return value > 0 ? value : null;
}

// Seconds, as every writer gives them; Surefire in some locales writes "1,234.5".
function milliseconds(text: string): number | null {
  if (text.trim() === "") return null;
  const seconds = Number(text.replace(/,/g, ""));
  // past a year it is no test's time, and Infinity would not survive JSON
  return Number.isFinite(seconds) && seconds >= 0 && seconds < MAX_CASE_SECONDS ? Math.round(seconds * 1000) : null;
}
