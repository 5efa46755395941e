import { LineCounter, parseDocument, type Document } from "yaml";
import { buildConfig } from "./build-config.js";
import { checkNeeds } from "./check-needs.js";
import type { ConfigProblem } from "./config-problem.js";
import type { ConfigError, ParseConfigResult } from "./config-types.js";
import { describeIssue } from "./describe-issue.js";
import { explainIssues } from "./explain-issues.js";
import { explainYamlErrors } from "./explain-yaml-errors.js";
import { findBrokenAliases } from "./find-broken-aliases.js";
import { findKeyProblems } from "./find-key-problems.js";
import { formatPath } from "./format-path.js";
import { listKeys } from "./list-keys.js";
import { locateNode, type KeyIndex } from "./locate-node.js";
import { configSchema } from "./schema.js";

export type { ConfigError, GantryConfig, ParseConfigResult, PipelineConfig, StepConfig } from "./config-types.js";
export { formatConfigError } from "./format-config-error.js";

/** Where a repository keeps its config, read from the pushed commit (and by `gantry run` from the working tree). */
export const CONFIG_PATH = ".github/gantry.yml";
export const MAX_CONFIG_BYTES = 256 * 1024;
/** yaml's guard against "billion laughs": expanding aliases beyond this throws instead of eating memory. */
export const MAX_ALIAS_COUNT = 100;
/** One broken bracket can make yaml report hundreds of errors; past this many nobody reads them. */
export const MAX_REPORTED_ERRORS = 50;

/** Validates a gantry config file; every error carries the 1-based line and column of the node to fix. */
export function parseConfig(text: string, file: string = CONFIG_PATH): ParseConfigResult {
  const fail = (errors: ConfigError[]): ParseConfigResult => ({ ok: false, errors: sortErrors(errors) });
  const atStart = (message: string): ConfigError => ({ file, line: 1, column: 1, path: "", message });

  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > MAX_CONFIG_BYTES) {
    return fail([atStart(`the file is ${Math.ceil(bytes / 1024)} KiB; the limit is ${MAX_CONFIG_BYTES / 1024} KiB`)]);
  }

  const lineCounter = new LineCounter();
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  let doc: Document;
  let data: unknown;
  try {
    // Repeated keys are found by findKeyProblems, which also catches `1:` next to `"1":`.
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
    if (doc.errors.length > 0) {
      return fail(explainYamlErrors(doc, text, doc.errors).map(({ offset, message }) => ({ file, ...at(offset), path: "", message })));
    }
    const broken = findBrokenAliases(doc);
    if (broken.length > 0) return fail(broken.map(({ offset, message }) => ({ file, ...at(offset), path: "", message })));
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // Alias bombs throw from toJS; pathological nesting can overflow the stack. Neither has a better position than the start.
    const reason = error instanceof ReferenceError || error instanceof RangeError ? error.message : String(error);
    return fail([atStart(`the file cannot be read: ${reason}`)]);
  }

  const keyIndex: KeyIndex = new WeakMap();
  const toError = (problem: ConfigProblem): ConfigError => ({
    file,
    ...at(problem.offset ?? locateNode(doc, problem.at, problem.atKey, keyIndex)),
    path: formatPath(problem.path),
    message: problem.message,
  });

  // Checked before the schema: the object the schema sees has already lost these keys.
  const keyProblems = findKeyProblems(doc);
  if (keyProblems.length > 0) return fail(keyProblems.map(toError));

  const parsed = configSchema.safeParse(data, { error: describeIssue, reportInput: true });
  if (!parsed.success) return fail(explainIssues(parsed.error.issues).map(toError));

  const order = listKeys(doc, ["pipelines"]) ?? Object.keys(parsed.data.pipelines);
  const needsProblems = checkNeeds(order.map((name) => ({ name, needs: parsed.data.pipelines[name]?.needs ?? [] })));
  if (needsProblems.length > 0) return fail(needsProblems.map(toError));

  return { ok: true, config: buildConfig(parsed.data, order, doc) };
}

function sortErrors(errors: ConfigError[]): ConfigError[] {
  const sorted = errors
    .map((error, index) => ({ error, index }))
    .sort((a, b) => a.error.line - b.error.line || a.error.column - b.error.column || a.index - b.index)
    .map(({ error }) => error);
  if (sorted.length <= MAX_REPORTED_ERRORS) return sorted;
  const kept = sorted.slice(0, MAX_REPORTED_ERRORS);
  const next = sorted[MAX_REPORTED_ERRORS]!;
  const rest = sorted.length - MAX_REPORTED_ERRORS;
  return [...kept, { ...next, path: "", message: `${rest} more error${rest === 1 ? "" : "s"} not shown` }];
}

