import { readdirSync, readFileSync } from "node:fs";
import { join, posix, relative } from "node:path";
import ts from "typescript";

/**
 * The folders of src/, from the entry points down along the delivery path (receive → dispatch → run → report)
 * to what they all stand on. A file may import its own folder and any folder after it, never one before it.
 * `main.ts` and `index.ts`, the two files at the top of src/, count as the folder "entry".
 */
export const LAYERS = [
  "entry",
  "cli",
  "app",
  "ingest",
  "dispatch",
  "worker",
  "report",
  "backend",
  "runs",
  "github",
  "planning",
  "config",
] as const;

/** The backend's interfaces: any folder may import them (runs/ moves records through them). */
export const BACKEND_INTERFACES = ["backend/storage/store.ts", "backend/queue/job-queue.ts"];
/** Implementation folders that only their own files and `backend/open-*.ts` may import (their interfaces aside). */
export const BACKEND_INTERNALS = ["backend/storage/", "backend/queue/"];
/**
 * The only packages config/ and planning/ may import: parsers and matchers without I/O. `node:v8` is there for
 * one call, in config/compile-linear-regexp.ts: setting the flag that enables V8's linear-time regexp engine, so
 * that validating a problem matcher's regexp and running it are the same compile (no I/O either).
 */
export const PURE_LIBRARIES = ["zod", "yaml", "picomatch", "node:v8"];
/** Packages of types only: config/ and planning/ may import types from them, never values. */
export const TYPE_ONLY_LIBRARIES = ["@octokit/webhooks"];

export interface Rule {
  name: string;
  /** The importing file's path under src/, e.g. "report/summarize.ts". */
  applies: (from: string) => boolean;
  /** Why the import breaks the rule, or null when it is fine. */
  breaks: (use: ImportUse) => string | null;
}

export interface ImportUse {
  /** The importing file, relative to src/. */
  from: string;
  specifier: string;
  /** The imported file relative to src/ for a relative specifier (".js" read as the ".ts" beside it); null for a package. */
  target: string | null;
  /** `import type`, or a type-only `import("…")` in a type position. */
  typeOnly: boolean;
}

const isPackage = (use: ImportUse, pattern: RegExp) => use.target === null && pattern.test(use.specifier);
const under = (path: string | null, folder: string) => path !== null && path.startsWith(folder);

export const RULES: Rule[] = [
  {
    name: "direction: no folder imports one before it in LAYERS",
    applies: () => true,
    breaks: ({ from, target }) => {
      if (target === null || BACKEND_INTERFACES.includes(target)) return null;
      const mine = LAYERS.indexOf(layerOf(from));
      const theirs = LAYERS.indexOf(layerOf(target));
      return theirs < mine ? `${layerOf(from)}/ may not import ${layerOf(target)}/, which comes before it in LAYERS` : null;
    },
  },
  {
    name: "worker/execution/** never imports Octokit or github/",
    applies: (from) => from.startsWith("worker/execution/"),
    breaks: (use) =>
      isPackage(use, /^(probot|@octokit\/.*)$/) || under(use.target, "github/")
        ? "worker/execution/ runs processes and never talks to GitHub (no probot, @octokit/*, github/)"
        : null,
  },
  {
    name: "report/** never imports worker/** or execa",
    applies: (from) => from.startsWith("report/"),
    breaks: (use) =>
      isPackage(use, /^(execa|node:child_process|child_process)$/) || under(use.target, "worker/")
        ? "report/ shows runs and never runs them (no worker/, execa, node:child_process)"
        : null,
  },
  {
    name: "config/** and planning/** do no I/O: only pure libraries, and only each other",
    applies: (from) => from.startsWith("config/") || from.startsWith("planning/"),
    breaks: (use) => {
      if (use.target !== null) {
        return under(use.target, "config/") || under(use.target, "planning/") ? null : "config/ and planning/ import only config/ and planning/";
      }
      if (PURE_LIBRARIES.includes(use.specifier)) return null;
      if (use.typeOnly && TYPE_ONLY_LIBRARIES.includes(use.specifier)) return null;
      return `config/ and planning/ do no I/O: of packages only ${PURE_LIBRARIES.join(", ")} (and types from ${TYPE_ONLY_LIBRARIES.join(", ")})`;
    },
  },
  {
    name: "only backend/open-* reaches into backend/storage/ and backend/queue/ (their interfaces aside)",
    applies: () => true,
    breaks: ({ from, target }) => {
      if (target === null || BACKEND_INTERFACES.includes(target)) return null;
      const internals = BACKEND_INTERNALS.find((folder) => target.startsWith(folder));
      if (internals === undefined || from.startsWith(internals) || /^backend\/open-[^/]+\.ts$/.test(from)) return null;
      return `${internals} is the backend's own: open it through backend/open-*, use it through ${BACKEND_INTERFACES.join(" or ")}`;
    },
  },
];

export function layerOf(path: string): (typeof LAYERS)[number] {
  const first = path.split("/")[0] ?? "";
  if (!path.includes("/")) return "entry";
  const layer = LAYERS.find((name) => name === first);
  if (layer === undefined) throw new Error(`src/${path}: folder ${first}/ is not in LAYERS; add it where it belongs`);
  return layer;
}

/** Every import of one file: static, re-exports, dynamic `import()`, and `import("…")` types. */
export function importsOf(path: string, text: string, known: ReadonlySet<string>): ImportUse[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const uses: ImportUse[] = [];
  const add = (node: ts.Expression | ts.TypeNode, typeOnly: boolean) => {
    const specifier = specifierOf(source, node);
    if (specifier === null) throw new Error(`src/${path}: an import whose module is neither a string nor a const holding one`);
    uses.push({ from: path, specifier, target: resolveTarget(path, specifier, known), typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      add(node.moduleSpecifier, isTypeOnlyImport(node));
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined) {
      add(node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0]) {
      add(node.arguments[0], false);
    } else if (ts.isImportTypeNode(node)) {
      add(node.argument, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return uses;
}

// `import(NAME)` with `const NAME = "pkg"` in the file (an optional package kept out of tsc's resolution) counts as "pkg".
function specifierOf(source: ts.SourceFile, node: ts.Expression | ts.TypeNode): string | null {
  const literal = ts.isLiteralTypeNode(node) ? node.literal : node;
  if (ts.isStringLiteralLike(literal)) return literal.text;
  if (!ts.isIdentifier(literal)) return null;
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement) || !(statement.declarationList.flags & ts.NodeFlags.Const)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (ts.isIdentifier(declaration.name) && declaration.name.text === literal.text && declaration.initializer && ts.isStringLiteralLike(declaration.initializer)) {
        return declaration.initializer.text;
      }
    }
  }
  return null;
}

function isTypeOnlyImport(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (clause === undefined) return false; // `import "x"` runs x
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  return clause.name === undefined && bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((element) => element.isTypeOnly);
}

function resolveTarget(from: string, specifier: string, known: ReadonlySet<string>): string | null {
  if (!specifier.startsWith(".")) return null;
  const joined = posix.normalize(posix.join(posix.dirname(from), specifier));
  const target = joined.replace(/\.js$/, ".ts");
  if (target.startsWith("..")) throw new Error(`src/${from}: "${specifier}" leads out of src/`);
  if (!known.has(target)) throw new Error(`src/${from}: "${specifier}" is no file in src/`);
  return target;
}

/** The .ts files of a src/ folder, by their path under it. */
export function readTree(srcDir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".ts")) files.set(relative(srcDir, full).split("\\").join("/"), readFileSync(full, "utf8"));
    }
  };
  walk(srcDir);
  return files;
}

/** One line per import that breaks a rule: `src/<file>: "<specifier>": <why> [<rule>]`. */
export function findViolations(files: ReadonlyMap<string, string>): string[] {
  const known = new Set(files.keys());
  const found: string[] = [];
  for (const [path, text] of files) {
    layerOf(path);
    for (const use of importsOf(path, text, known)) {
      for (const rule of RULES) {
        if (!rule.applies(path)) continue;
        const why = rule.breaks(use);
        if (why !== null) found.push(`src/${path}: "${use.specifier}": ${why} [${rule.name}]`);
      }
    }
  }
  return found;
}
