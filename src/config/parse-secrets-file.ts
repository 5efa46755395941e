import type * as z from "zod";
import type { ConfigProblem } from "./config-problem.js";
import type { ConfigError } from "./config-types.js";
import { describeIssue } from "./describe-issue.js";
import { explainIssues } from "./explain-issues.js";
import { findKeyProblems } from "./find-key-problems.js";
import type { PathSegment } from "./format-path.js";
import { readYamlDocument } from "./read-yaml-document.js";
import { environmentSchema, repositoryScopeSchema, secretsFileSchema, type RawSecretsFile } from "./secrets-schema.js";
import { MAX_SECRETS_FILE_BYTES, type SecretSource, type SecretsFile } from "./secrets-types.js";
import { sortConfigErrors } from "./sort-config-errors.js";
import { suggestName } from "./suggest-name.js";

export type { SecretSource, SecretsFile } from "./secrets-types.js";

export type ParseSecretsFileResult = { ok: true; secrets: SecretsFile } | { ok: false; errors: ConfigError[] };

const SOURCE_KEYS = ["value", "file", "env"];

/**
 * Validates the operator's secrets file; errors look like the config's (`file:line:col: path: message`) and never
 * contain a secret's value. An empty file (or one of comments only) defines no secrets.
 */
export function parseSecretsFile(text: string, file: string): ParseSecretsFileResult {
  const fail = (errors: ConfigError[]): ParseSecretsFileResult => ({ ok: false, errors: sortConfigErrors(errors) });
  const read = readYamlDocument(text, file, MAX_SECRETS_FILE_BYTES);
  if (!read.ok) return fail(read.errors.map((error) => ({ ...error, message: redactYamlMessage(error.message) })));
  const { doc, data, toError } = read;
  if (data === null || data === undefined) return { ok: true, secrets: { environments: {}, repositories: {} } };

  const keyProblems = findKeyProblems(doc);
  if (keyProblems.length > 0) return fail(keyProblems.map(redactKeyProblem).map(toError));

  const parsed = secretsFileSchema.safeParse(data, { error: describeIssue, reportInput: true });
  if (!parsed.success) return fail(explainSecretsIssues(parsed.error.issues, data).map(toError));
  return { ok: true, secrets: buildSecretsFile(parsed.data) };
}

/** `environments.<name>.secrets.<NAME>` or `repositories.<glob>.secrets.<NAME>`: anything at or below is a secret's value. */
function isUnderSource(path: readonly PathSegment[]): boolean {
  return path.length >= 4 && (path[0] === "environments" || path[0] === "repositories") && path[2] === "secrets";
}

function explainSecretsIssues(issues: readonly z.core.$ZodIssue[], data: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const rest: z.core.$ZodIssue[] = [];
  const pathOf = (issue: z.core.$ZodIssue) => issue.path.filter((segment): segment is PathSegment => typeof segment === "string" || typeof segment === "number");
  // `{ fiel: /x }` is not also "empty": the unknown key says what is wrong.
  const withUnknownKeys = new Set(issues.filter((issue) => issue.code === "unrecognized_keys").map((issue) => JSON.stringify(pathOf(issue))));
  for (const issue of issues) {
    const path = pathOf(issue);
    if (issue.code === "custom" && issue.message.startsWith("is empty") && withUnknownKeys.has(JSON.stringify(path))) continue;
    if (issue.code === "unrecognized_keys" && isUnderSource(path)) {
      // `TOKEN: { s3cr3t }` is a mapping with the key "s3cr3t": a key here may be the value, so it is not quoted.
      for (const key of issue.keys) {
        const suggestion = suggestName(key, SOURCE_KEYS);
        const hint = suggestion === null ? `use one of: ${SOURCE_KEYS.join(", ")}` : `did you mean ${JSON.stringify(suggestion)}?`;
        problems.push({ path, message: `unknown option (${hint})`, at: [...path, key], atKey: true });
      }
      continue;
    }
    // A bare string became { value } for the schema; the author wrote no "value" key, so the path ends at the name.
    if (path.length === 5 && path[4] === "value" && isUnderSource(path) && typeof valueAt(data, path.slice(0, 4)) === "string") {
      problems.push({ path: path.slice(0, 4), message: issue.message, at: path.slice(0, 4), atKey: false });
      continue;
    }
    rest.push(issue);
  }
  return [...problems, ...explainIssues(rest, knownKeysAt)];
}

function knownKeysAt(path: readonly PathSegment[]): string[] {
  if (path.length === 0) return Object.keys(secretsFileSchema.shape);
  if (path.length === 2 && path[0] === "environments") return Object.keys(environmentSchema.shape);
  if (path.length === 2 && path[0] === "repositories") return Object.keys(repositoryScopeSchema.shape);
  return [];
}

function redactKeyProblem(problem: ConfigProblem): ConfigProblem {
  if (!isUnderSource(problem.path)) return problem;
  return { ...problem, message: problem.message.includes("appears twice") ? "a key appears twice in this mapping" : "this key cannot be used here" };
}

/** yaml quotes a little of the text around some syntax errors; in this file that text may be a secret. */
function redactYamlMessage(message: string): string {
  return message
    .replace(/^(Invalid escape sequence) .*$/s, "$1")
    .replace(/^(Block scalar header includes extra characters):.*$/s, "$1")
    .replace(/^(Unresolved tag):.*$/s, "$1");
}

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let node = data;
  for (const segment of path) {
    if (node === null || typeof node !== "object" || !Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<PathSegment, unknown>)[segment];
  }
  return node;
}

function buildSecretsFile(raw: RawSecretsFile): SecretsFile {
  const environments: SecretsFile["environments"] = {};
  for (const [name, environment] of Object.entries(raw.environments)) {
    environments[name] = {
      repositories: environment.repositories,
      branches: environment.branches ?? null,
      tags: environment.tags ?? null,
      secrets: buildSources(environment.secrets),
    };
  }
  const repositories: SecretsFile["repositories"] = {};
  for (const [glob, scope] of Object.entries(raw.repositories)) repositories[glob] = { secrets: buildSources(scope.secrets) };
  return { environments, repositories };
}

function buildSources(raw: Record<string, { value?: string | undefined; file?: string | undefined; env?: string | undefined }>): Record<string, SecretSource> {
  const sources: Record<string, SecretSource> = {};
  for (const [name, source] of Object.entries(raw)) {
    if (source.value !== undefined) sources[name] = { value: source.value };
    else if (source.file !== undefined) sources[name] = { file: source.file };
    else if (source.env !== undefined) sources[name] = { env: source.env };
  }
  return sources;
}
