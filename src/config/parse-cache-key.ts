import { globError } from "./glob-error.js";

/** One piece of a cache key template: text as written, or an expression the worker resolves after the checkout. */
export type CacheKeyPart =
  | { kind: "text"; text: string }
  | { kind: "hashFiles"; globs: string[] }
  | { kind: "os" }
  | { kind: "arch" };

export type ParsedCacheKey = { ok: true; parts: CacheKeyPart[] } | { ok: false; problem: string };

/** The functions a template may call, and how many quoted arguments each takes. */
const FUNCTIONS: Record<string, { min: number; max: number }> = { hashFiles: { min: 1, max: 20 }, os: { min: 0, max: 0 }, arch: { min: 0, max: 0 } };

/**
 * Reads a key template: literal text plus `{{ hashFiles "glob" ["glob" …] }}`, `{{ os }}`, `{{ arch }}`. Problems
 * name the 1-based character position they are at, so a long key can be fixed without counting.
 */
export function parseCacheKey(template: string): ParsedCacheKey {
  const parts: CacheKeyPart[] = [];
  let text = "";
  let at = 0;
  const fail = (position: number, problem: string): ParsedCacheKey => ({ ok: false, problem: `${problem} at position ${position + 1}` });
  while (at < template.length) {
    const open = template.indexOf("{{", at);
    const literal = template.slice(at, open < 0 ? template.length : open);
    const comma = literal.indexOf(",");
    // GitHub's cache keys cannot hold commas (its API lists keys comma-separated); ours follow
    if (comma >= 0) return fail(at + comma, "has a comma");
    text += literal;
    if (open < 0) break;
    const close = template.indexOf("}}", open + 2);
    if (close < 0) return fail(open, 'has a "{{" not closed by "}}"');
    const expression = parseExpression(template.slice(open + 2, close), open + 2);
    if (!expression.ok) return fail(expression.position, expression.problem);
    if (text !== "") parts.push({ kind: "text", text });
    text = "";
    parts.push(expression.part);
    at = close + 2;
  }
  if (text !== "") parts.push({ kind: "text", text });
  return { ok: true, parts };
}

type Expression = { ok: true; part: CacheKeyPart } | { ok: false; position: number; problem: string };

/** `name "arg" "arg"` between the braces; `offset` is where it starts in the template. */
function parseExpression(source: string, offset: number): Expression {
  const tokens: Array<{ kind: "name" | "string"; value: string; position: number }> = [];
  let at = 0;
  while (at < source.length) {
    const char = source[at]!;
    if (/\s/.test(char)) {
      at++;
    } else if (char === '"') {
      const end = source.indexOf('"', at + 1);
      if (end < 0) return { ok: false, position: offset + at, problem: "has a quote that is not closed" };
      tokens.push({ kind: "string", value: source.slice(at + 1, end), position: offset + at });
      at = end + 1;
    } else {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(at))?.[0];
      if (!name) return { ok: false, position: offset + at, problem: `has ${JSON.stringify(char)} where a function name or a quoted argument belongs` };
      tokens.push({ kind: "name", value: name, position: offset + at });
      at += name.length;
    }
  }
  const [head, ...args] = tokens;
  if (!head) return { ok: false, position: offset - 2, problem: 'has an empty "{{ }}"' };
  if (head.kind !== "name") return { ok: false, position: head.position, problem: "has a quoted text where a function name belongs" };
  const known = Object.hasOwn(FUNCTIONS, head.value) ? FUNCTIONS[head.value]! : null;
  if (!known) return { ok: false, position: head.position, problem: `calls ${JSON.stringify(head.value)}, which is not a function (use hashFiles, os or arch)` };
  const stray = args.find((arg) => arg.kind !== "string");
  if (stray) return { ok: false, position: stray.position, problem: `has ${JSON.stringify(stray.value)} where a quoted argument belongs` };
  if (args.length < known.min || args.length > known.max) {
    const wanted = known.max === 0 ? "no arguments" : `1 to ${known.max} quoted globs`;
    return { ok: false, position: head.position, problem: `calls ${head.value} with ${args.length} argument${args.length === 1 ? "" : "s"}; it takes ${wanted}` };
  }
  if (head.value === "os") return { ok: true, part: { kind: "os" } };
  if (head.value === "arch") return { ok: true, part: { kind: "arch" } };
  for (const arg of args) {
    const problem = hashGlobProblem(arg.value);
    if (problem) return { ok: false, position: arg.position, problem: `has hashFiles glob ${JSON.stringify(arg.value)}, which ${problem}` };
  }
  return { ok: true, part: { kind: "hashFiles", globs: args.map((arg) => arg.value) } };
}

/** hashFiles reads files of the checkout only: the glob stays inside it and compiles. */
function hashGlobProblem(glob: string): string | null {
  const positive = glob.startsWith("!") ? glob.slice(1) : glob;
  if (positive === "") return "is empty";
  if (positive.startsWith("/")) return "is absolute (globs are relative to the repository root)";
  if (positive.split("/").includes("..")) return 'has a ".." segment (files must be inside the checkout)';
  const broken = globError(positive);
  return broken === null ? null : `is not a valid pattern (${broken})`;
}
