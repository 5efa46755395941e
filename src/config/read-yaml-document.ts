import { LineCounter, parseDocument, type Document } from "yaml";
import type { ConfigProblem } from "./config-problem.js";
import type { ConfigError } from "./config-types.js";
import { explainYamlErrors } from "./explain-yaml-errors.js";
import { findBrokenAliases } from "./find-broken-aliases.js";
import { formatPath } from "./format-path.js";
import { locateNode, type KeyIndex } from "./locate-node.js";

/** yaml's guard against "billion laughs": expanding aliases beyond this throws instead of eating memory. */
export const MAX_ALIAS_COUNT = 100;

export type YamlDocument =
  | {
      ok: true;
      doc: Document;
      /** The document as plain data, for a schema to check. */
      data: unknown;
      /** Gives a finding of a later check its 1-based line and column in this file. */
      toError: (problem: ConfigProblem) => ConfigError;
    }
  | { ok: false; errors: ConfigError[] };

/**
 * Reads YAML text the way every gantry file is read: size limit, syntax errors moved to where a person fixes them,
 * broken aliases, alias bombs. Errors are unsorted; callers sort them with everything else they find.
 */
export function readYamlDocument(text: string, file: string, maxBytes: number): YamlDocument {
  const atStart = (message: string): ConfigError => ({ file, line: 1, column: 1, path: "", message });
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > maxBytes) {
    return { ok: false, errors: [atStart(`the file is ${Math.ceil(bytes / 1024)} KiB; the limit is ${maxBytes / 1024} KiB`)] };
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
      return { ok: false, errors: explainYamlErrors(doc, text, doc.errors).map(({ offset, message }) => ({ file, ...at(offset), path: "", message })) };
    }
    const broken = findBrokenAliases(doc);
    if (broken.length > 0) return { ok: false, errors: broken.map(({ offset, message }) => ({ file, ...at(offset), path: "", message })) };
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // Alias bombs throw from toJS; pathological nesting can overflow the stack. Neither has a better position than the start.
    const reason = error instanceof ReferenceError || error instanceof RangeError ? error.message : String(error);
    return { ok: false, errors: [atStart(`the file cannot be read: ${reason}`)] };
  }

  const keyIndex: KeyIndex = new WeakMap();
  const parsed = doc;
  const toError = (problem: ConfigProblem): ConfigError => ({
    file,
    ...at(problem.offset ?? locateNode(parsed, problem.at, problem.atKey, keyIndex)),
    path: formatPath(problem.path),
    message: problem.message,
  });
  return { ok: true, doc, data, toError };
}
