import { posix } from "node:path";
import type { ParsedCase } from "./parse-junit.js";
import { toRepositoryPath } from "./to-repository-path.js";

export interface FailureLocation {
  /** Relative to the repository root; "" when nothing in the report names a file of the checkout. */
  path: string;
  /** 1-based; 0 when unknown. */
  line: number;
  column?: number;
  inRepository: boolean;
}

export interface LocateContext {
  /** The workspace's path and its real path: either may prefix absolute paths in the report. */
  workspaces: readonly string[];
  /** The report's own path in the repository: Maven and Gradle modules are found from it. */
  reportPath: string;
  isFile: (path: string) => Promise<boolean>;
}

interface Frame {
  path: string;
  line: number;
  column?: number;
}

/** Frames are looked for in the first lines of a failure's text only. */
const FRAME_LINES = 200;
const PYTHON_FRAME = /File "([^"\n]+)", line (\d+)/g;
// `path.ext:line[:col]` after a space, `(`, `[` or a line start: JS stacks, vitest's ❯ lines, pytest's
// `tests/x.py:7: AssertionError`, Java's `(FooTest.java:42)`, compilers' `file:line:col`.
const PATH_FRAME = /(?:^|[\s(\[])((?:file:\/\/)?[^\s()[\]:"'`,]*[^\s()[\]:"'`,.]\.[A-Za-z][A-Za-z0-9]{0,9}):(\d{1,9})(?::(\d{1,9}))?/gm;
/** Where Maven and Gradle keep sources under a module, for a Java stack frame that names only `FooTest.java`. */
const SOURCE_ROOTS = ["src/test/java", "src/test/kotlin", "src/main/java", "src/main/kotlin", "src/integrationTest/java"];

/**
 * Where a failed case points in the repository: its `file` attribute, else a `classname` that is a file
 * (vitest), else the first stack frame naming a file of the checkout outside node_modules, else a Java frame of
 * its class under a module's source roots. The line is the deepest frame in that file, else the `line` attribute.
 */
export async function locateFailure(testCase: ParsedCase, context: LocateContext): Promise<FailureLocation> {
  const frames = framesOf(`${testCase.failure?.message ?? ""}\n${testCase.failure?.text ?? ""}`, context.workspaces);
  const named = [testCase.file, testCase.classname].map((text) => (text === "" ? null : toRepositoryPath(text, context.workspaces)));
  for (const path of named) {
    if (path === null || !(await context.isFile(path))) continue;
    return { ...lineIn(path, frames, testCase.line), inRepository: true };
  }
  for (const frame of frames) {
    if (frame.path.split("/").includes("node_modules") || !(await context.isFile(frame.path))) continue;
    return { ...lineIn(frame.path, frames, testCase.line), inRepository: true };
  }
  const java = await javaSource(testCase.classname, frames, context);
  if (java !== null) return { ...java, inRepository: true };
  // a `file` that is not in the checkout is kept for the summary, which lists what GitHub cannot show
  const file = named[0];
  if (file === null || file === undefined) return { path: "", line: 0, inRepository: false };
  return { ...lineIn(file, frames, testCase.line), inRepository: false };
}

function lineIn(path: string, frames: readonly Frame[], lineAttribute: number | null): Omit<FailureLocation, "inRepository"> {
  const inFile = frames.filter((frame) => frame.path === path);
  // JS and Java stacks list the deepest call first; Python tracebacks (and pytest's) last
  const deepest = path.endsWith(".py") ? inFile.at(-1) : inFile[0];
  if (deepest !== undefined) return { path, line: deepest.line, ...(deepest.column ? { column: deepest.column } : {}) };
  return { path, line: lineAttribute ?? 0 };
}

function framesOf(text: string, workspaces: readonly string[]): Frame[] {
  const head = text.split("\n", FRAME_LINES).join("\n");
  const found: Array<Frame & { at: number }> = [];
  for (const match of head.matchAll(PYTHON_FRAME)) add(match.index, match[1]!, match[2]!, undefined);
  for (const match of head.matchAll(PATH_FRAME)) add(match.index, match[1]!, match[2]!, match[3]);
  return found.sort((a, b) => a.at - b.at);

  function add(at: number, rawPath: string, line: string, column: string | undefined): void {
    const path = toRepositoryPath(rawPath, workspaces);
    const number = Number(line);
    if (path === null || number <= 0) return;
    found.push({ at, path, line: number, ...(column && Number(column) > 0 ? { column: Number(column) } : {}) });
  }
}

/** `at com.example.FooTest.adds(FooTest.java:42)` with classname com.example.FooTest: the file under a module's sources. */
async function javaSource(classname: string, frames: readonly Frame[], context: LocateContext): Promise<Omit<FailureLocation, "inRepository"> | null> {
  const parts = classname.split("$")[0]!.split(".");
  if (parts.length < 2 || !parts.every((part) => /^[A-Za-z_$][\w$]*$/.test(part))) return null;
  const frame = frames.find((f) => !f.path.includes("/") && f.path.replace(/\.\w+$/, "") === parts.at(-1));
  if (frame === undefined) return null;
  const relative = [...parts.slice(0, -1), frame.path].join("/");
  for (const module of moduleRoots(context.reportPath)) {
    for (const root of SOURCE_ROOTS) {
      const path = posix.join(module, root, relative);
      if (await context.isFile(path)) return { path, line: frame.line };
    }
  }
  return null;
}

/** The module a report was written for (`core/target/surefire-reports/x.xml` → `core`), then the repository root. */
function moduleRoots(reportPath: string): string[] {
  const parts = reportPath.split("/");
  const build = parts.findIndex((part) => part === "target" || part === "build");
  const module = build > 0 ? parts.slice(0, build).join("/") : "";
  return module === "" ? [""] : [module, ""];
}
