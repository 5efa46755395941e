import { isScalar, Scalar, visit, type Document, type YAMLError } from "yaml";

export interface YamlProblem {
  offset: number;
  message: string;
}

const TAB_HINT = "; indent with spaces";
const QUOTE_HINT = ": the string that starts here is never closed";
const INDENT_MESSAGE = "this line is indented more than the keys above it, so YAML reads it as part of the line before; line it up with them";

/**
 * yaml's syntax errors, moved to where a person would fix them. yaml reports where the parser gave up, which
 * is often a line or more away from the mistake, and a mistake's knock-on errors can sort before it.
 */
export function explainYamlErrors(doc: Document, text: string, errors: readonly YAMLError[]): YamlProblem[] {
  // A tab in the indentation derails everything after it; the other errors only repeat that.
  const tabs = errors.filter((error) => error.code === "TAB_AS_INDENT");
  if (tabs.length > 0) return tabs.map((error) => ({ offset: error.pos[0], message: `${error.message}${TAB_HINT}` }));

  // An unclosed quote swallows the rest of the file and is reported at its end; its opening is the place to fix.
  const quote = errors.find((error) => error.code === "MISSING_CHAR" && error.message.includes("quote"));
  const opening = quote && findQuoteOpening(doc, quote.pos[0]);
  if (quote && opening !== undefined) {
    const before = errors.filter((error) => error.pos[0] < opening).map(asProblem);
    return [...before, { offset: opening, message: `${quote.message}${QUOTE_HINT}` }];
  }

  // `name: x` followed by an over-indented `run: y` reads as one key "x run" spanning two lines, reported on the
  // first. When the first line already has its key, the second line's indentation is the mistake.
  const problems: YamlProblem[] = [];
  const moved = new Set<number>();
  for (const error of errors) {
    if (error.code !== "MULTILINE_IMPLICIT_KEY" || !startsAfterKey(text, error.pos[0])) continue;
    moved.add(error.pos[0]);
    problems.push({ offset: firstTextOfLine(text, error.pos[1]), message: INDENT_MESSAGE });
  }
  for (const error of errors) {
    if (moved.has(error.pos[0])) continue;
    problems.push(asProblem(error));
  }
  return problems;
}

function asProblem(error: YAMLError): YamlProblem {
  return { offset: error.pos[0], message: error.message };
}

/** The start of the quoted scalar that runs to `end`, the offset where yaml missed the closing quote. */
function findQuoteOpening(doc: Document, end: number): number | undefined {
  let opening: number | undefined;
  visit(doc, {
    Scalar(_, node) {
      const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE;
      if (quoted && isScalar(node) && node.range?.[1] === end) {
        opening = node.range[0];
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return opening;
}

/** Whether text before `offset` on its line holds a key (`- name: ` before `Install`). */
function startsAfterKey(text: string, offset: number): boolean {
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  return /:\s/.test(text.slice(lineStart, offset));
}

function firstTextOfLine(text: string, offset: number): number {
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart))![0].length;
  return lineStart + indent;
}
