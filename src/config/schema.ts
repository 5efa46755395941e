import * as z from "zod";
import { globError } from "./glob-error.js";
import { describeValue } from "./describe-value.js";
import { DURATION_PATTERN, parseDuration } from "./parse-duration.js";
import { BUILTIN_MATCHER_NAMES } from "./builtin-matchers.js";
import { compileLinearRegExp } from "./compile-linear-regexp.js";
import { parseCacheKey } from "./parse-cache-key.js";

/** Pipeline names become check-run names and ids, so they stay short and free of spaces and slashes. */
export const PIPELINE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** POSIX-style names; `GANTRY_*` is reserved for variables gantry sets itself, and `__proto__` cannot survive a plain object. */
export const ENV_NAME_PATTERN = /^(?!GANTRY_)(?!__proto__$)[A-Za-z_][A-Za-z0-9_]*$/;

/** Environment and concurrency-group names end up in lock keys and summaries. */
export const GROUP_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_./-]{0,63}$/;
export const MAX_TIMEOUT_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_PIPELINE_TIMEOUT = "60m";
/** Globs a pipeline may list under `reports.junit`: each one walks the workspace after the last step. */
export const MAX_REPORT_GLOBS = 20;

function notADuration(input: unknown): string {
  // YAML reads `timeout: 90` as a number; saying why helps more than "expected a string".
  const hint = typeof input === "number" ? `use "90s", "10m" or "1h"; a bare number has no unit` : `use "90s", "10m" or "1h"`;
  return `${describeValue(input)} is not a duration (${hint})`;
}

const durationSchema = z
  .string({ error: (issue) => notADuration(issue.input) })
  .regex(DURATION_PATTERN, { error: (issue) => notADuration(issue.input) })
  .refine((text) => parseDuration(text) !== 0, {
    error: (issue) => `${describeValue(issue.input)} is zero; a timeout must be longer than that`,
  })
  .refine((text) => (parseDuration(text) ?? 0) <= MAX_TIMEOUT_MS, {
    error: (issue) => `${describeValue(issue.input)} is longer than the maximum of 24h`,
  });

function notAList(input: unknown): string {
  const hint = typeof input === "string" ? ` (write [${JSON.stringify(input)}])` : "";
  return `${describeValue(input)} is not a list${hint}`;
}

const patternSchema = z
  .string({ error: (issue) => `${describeValue(issue.input)} is not a pattern (quote it)` })
  .refine((pattern) => pattern !== "" && pattern !== "!", {
    error: (issue) => `${describeValue(issue.input)} is an empty pattern`,
  })
  .refine((pattern) => patternError(pattern) === null, {
    // picomatch would otherwise turn a broken pattern into one that silently never matches.
    error: (issue) => `${describeValue(issue.input)} is not a valid pattern (${patternError(String(issue.input))})`,
  });

function patternError(pattern: string): string | null {
  const glob = pattern.startsWith("!") ? pattern.slice(1) : pattern;
  // Empty patterns have their own message.
  return glob === "" ? null : globError(glob);
}

function patternListSchema(everything: string) {
  return z
    .array(patternSchema, { error: (issue) => notAList(issue.input) })
    .refine((patterns) => patterns.length === 0 || patterns.some((pattern) => !pattern.startsWith("!")), {
      // A list of exclusions alone can never include anything, which is never what the author meant.
      error: `has only negative patterns, so it matches nothing (put ${JSON.stringify(everything)} first to match everything else)`,
    });
}

/** Where a glob of report files leads out of the checkout, or null when it stays in it. */
function escapesCheckout(pattern: string): string | null {
  const glob = pattern.startsWith("!") ? pattern.slice(1) : pattern;
  if (glob.startsWith("/")) return "is absolute; report paths are relative to the repository root";
  if (glob.split("/").includes("..")) return 'has a ".." segment; report files must be inside the checkout';
  return null;
}

const reportGlobSchema = patternSchema.refine((pattern) => escapesCheckout(pattern) === null, {
  error: (issue) => `${describeValue(issue.input)} ${escapesCheckout(String(issue.input))}`,
});

export const reportsSchema = z
  .strictObject({
    junit: z
      .array(reportGlobSchema, { error: (issue) => notAList(issue.input) })
      .min(1, { error: 'is empty; list report files such as "reports/**/*.xml" (or remove "junit")' })
      .max(MAX_REPORT_GLOBS, { error: (issue) => `lists ${describeValue((issue.input as unknown[]).length)} globs; at most ${MAX_REPORT_GLOBS} are allowed` })
      .refine((patterns) => patterns.length === 0 || patterns.some((pattern) => !pattern.startsWith("!")), {
        error: 'has only negative patterns, so it matches nothing (put "**/*.xml" first to match everything else)',
      })
      .describe(
        'Globs of JUnit XML files relative to the repository root (same syntax as "paths"; a leading "!" excludes), read after the last step, whether it failed or not. Failed test cases become annotations at their file and line; the summary gets a table of the tests.',
      ),
  })
  .describe("Test reports the steps write into the checkout.");

// Each option is documented once, in its .describe(): that text reaches editors through the JSON Schema
// (npm run schema), where a JSDoc comment would reach only readers of this file.
export const triggerSchema = z
  .strictObject({
    branches: patternListSchema("**")
      .optional()
      .describe(
        'Branch-name globs ("*" stays within one "/" segment, "**" crosses segments; a leading "!" excludes). Absent: every branch, unless "tags" is given. []: no branch.',
      ),
    tags: patternListSchema("**")
      .optional()
      .describe('Tag-name globs (same syntax as "branches"). Absent: no tag.'),
    paths: patternListSchema("**")
      .refine((patterns) => patterns.length > 0, {
        error: `is empty, so the pipeline would never run (remove "paths" to run on every change)`,
      })
      .meta({ minItems: 1 })
      .optional()
      .describe(
        'File globs relative to the repository root; the pipeline runs only when the push changes a matching file (a leading "!" excludes). Absent: any change.',
      ),
  })
  .describe('Which pushes start this pipeline. Absent: every branch push, no tag. In each list the last pattern that matches decides; a leading "!" excludes.');

export const stepSchema = z
  .strictObject({
    name: z
      .string()
      .refine((name) => name.trim() !== "", {
        error: `is empty (remove "name" to use the command as the name)`,
      })
      .optional()
      .describe('Shown in the check run. Absent: the first line of "run", cut to 60 characters.'),
    run: z
      .string()
      .refine((run) => run.trim() !== "", { error: "is empty; give the command to run" })
      .describe("The shell command to run; may span several lines."),
    timeout: durationSchema
      .optional()
      .describe(`Limit for this step, e.g. "5m". Absent: the pipeline's timeout, which also caps it.`),
  })
  .describe("One shell command run in the checkout.");

const envNameSchema = z.string().regex(ENV_NAME_PATTERN, {
  error: (issue) => {
    const name = String(issue.input);
    if (name.startsWith("GANTRY_")) return `${describeValue(name)} is reserved: names starting with GANTRY_ are set by gantry`;
    return `${describeValue(name)} is not a valid variable name (use letters, digits and "_", not starting with a digit)`;
  },
});

const secretNameSchema = envNameSchema.describe("A secret's name, as the steps see it in their environment.");

const envValueSchema = z.union([z.string(), z.number(), z.boolean()], {
  error: (issue) => `${describeValue(issue.input)} is not a string, number or boolean (write "" for an empty value)`,
});

export const MAX_CUSTOM_MATCHERS = 20;
export const MAX_MATCHER_PATTERNS = 10;
export const MAX_REGEXP_CHARS = 1_000;
/** Owners name annotations' source: short, and never one of the built-ins' names. */
const OWNER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const GROUP_FIELDS = ["file", "line", "column", "endLine", "endColumn", "severity", "message", "code"] as const;

const groupSchema = (what: string) =>
  z
    .number({ error: (issue) => `${describeValue(issue.input)} is not a capture group number` })
    .int({ error: (issue) => `${describeValue(issue.input)} is not a capture group number` })
    .min(1, { error: (issue) => `${describeValue(issue.input)} is not a capture group number (groups count from 1)` })
    .optional()
    .describe(`Capture group of "regexp" holding the ${what}.`);

const matcherPatternSchema = z
  .strictObject({
    regexp: z
      .string({ error: (issue) => `${describeValue(issue.input)} is not a regular expression (quote it)` })
      .max(MAX_REGEXP_CHARS, { error: `is longer than ${MAX_REGEXP_CHARS} characters` })
      .superRefine((source, context) => {
        const compiled = compileLinearRegExp(source);
        if (!compiled.ok) context.addIssue({ code: "custom", message: `${describeValue(source)} ${compiled.reason}` });
      })
      .describe(
        "JavaScript regular expression matched against one line of output (ANSI codes removed, case-sensitive). It runs on V8's linear-time engine: no backreferences, lookarounds or large counted repetitions.",
      ),
    file: groupSchema("file path (relative to the repository, or absolute under the workspace)"),
    line: groupSchema("1-based line number"),
    column: groupSchema("1-based column"),
    endLine: groupSchema("last line"),
    endColumn: groupSchema("last column"),
    severity: groupSchema('severity ("error", "warning", "notice"; anything else: the matcher\'s)'),
    message: groupSchema("message"),
    code: groupSchema("error code, shown as the annotation's title"),
    loop: z
      .boolean({ error: (issue) => `${describeValue(issue.input)} is not true or false` })
      .optional()
      .describe("Only on the last of two or more patterns: it may match many consecutive lines, each one problem, sharing what the earlier patterns captured."),
  })
  .describe("A pattern for one line of a problem.");

const problemMatcherSchema = z
  .strictObject({
    owner: z
      .string({ error: (issue) => `${describeValue(issue.input)} is not a matcher name` })
      .regex(OWNER_PATTERN, { error: (issue) => `${describeValue(issue.input)} is not a valid matcher name (up to 64 letters, digits, "_", "." or "-")` })
      .refine((owner) => !BUILTIN_MATCHER_NAMES.includes(owner), {
        error: (issue) => `${describeValue(issue.input)} is the name of a built-in matcher; choose another`,
      })
      .describe("The matcher's name; annotations it makes say they come from it."),
    severity: z
      .enum(["error", "warning", "notice"], { error: (issue) => `${describeValue(issue.input)} is not a severity (use "error", "warning" or "notice")` })
      .optional()
      .describe('Severity of its problems when the "severity" group captures none. Default "error".'),
    pattern: z
      .array(matcherPatternSchema, { error: (issue) => notAList(issue.input) })
      .min(1, { error: "is empty; a matcher needs at least one pattern" })
      .max(MAX_MATCHER_PATTERNS, { error: `has more than ${MAX_MATCHER_PATTERNS} patterns` })
      .describe("Patterns for consecutive lines; together they describe one problem."),
  })
  .superRefine((matcher, context) => {
    let message = false;
    for (const [index, pattern] of matcher.pattern.entries()) {
      const compiled = compileLinearRegExp(pattern.regexp);
      for (const field of GROUP_FIELDS) {
        const group = pattern[field];
        if (group === undefined) continue;
        if (field === "message") message = true;
        if (compiled.ok && group > compiled.groups) {
          const has = compiled.groups === 1 ? "1 group" : `${compiled.groups} groups`;
          context.addIssue({ code: "custom", path: ["pattern", index, field], message: `${group} is not a group of the regexp, which has ${has}` });
        }
      }
      if (pattern.loop === true && (index !== matcher.pattern.length - 1 || matcher.pattern.length < 2)) {
        const why = matcher.pattern.length < 2 ? "a matcher of one pattern cannot loop" : "only the last pattern may loop";
        context.addIssue({ code: "custom", path: ["pattern", index, "loop"], message: `true is not allowed here: ${why}` });
      }
    }
    if (!message) context.addIssue({ code: "custom", path: ["pattern"], message: 'has no "message" group; one pattern must capture the message' });
  })
  .describe("A problem matcher, with the fields of GitHub Actions' problem matchers (without fromPath).");

export const matchersSchema = z
  .strictObject({
    builtin: z
      .union(
        [
          z.boolean(),
          z.array(z.enum(BUILTIN_MATCHER_NAMES as [string, ...string[]])),
        ],
        {
          error: (issue) => {
            // A union reports only "no branch matched"; the name that is wrong helps more.
            const unknown = Array.isArray(issue.input) ? issue.input.find((name) => !BUILTIN_MATCHER_NAMES.includes(name as string)) : undefined;
            if (unknown !== undefined) return `${describeValue(unknown)} is not a built-in matcher (use ${BUILTIN_MATCHER_NAMES.join(", ")})`;
            return `${describeValue(issue.input)} is not true, false or a list of built-in matchers`;
          },
        },
      )
      .default(true)
      .describe(`Built-in problem matchers to use: true (default) for all, false for none, or a list of: ${BUILTIN_MATCHER_NAMES.join(", ")}.`),
    custom: z
      .array(problemMatcherSchema, { error: (issue) => notAList(issue.input) })
      .max(MAX_CUSTOM_MATCHERS, { error: `has more than ${MAX_CUSTOM_MATCHERS} matchers` })
      .superRefine((matchers, context) => {
        const seen = new Set<string>();
        for (const [index, matcher] of matchers.entries()) {
          if (seen.has(matcher.owner)) context.addIssue({ code: "custom", path: [index, "owner"], message: `${describeValue(matcher.owner)} names two matchers` });
          seen.add(matcher.owner);
        }
      })
      .default([])
      .describe("Problem matchers of your own. With any, every line of output is matched against their regexps (built-ins only look at lines holding their keywords)."),
  })
  .describe("Problem matchers: they read the steps' output and turn the problems it names into annotations on the files.");

/** Deeper than this is a full clone in all but name: a mistake, not a checkout. */
export const MAX_CHECKOUT_DEPTH = 10_000;
/** Submodules inside submodules, the commit's own being level 1; and submodules of a checkout in all (a tree of them). */
export const MAX_SUBMODULE_LEVELS = 8;
export const MAX_SUBMODULES = 100;

export const checkoutSchema = z
  .strictObject({
    depth: z
      .number({ error: (issue) => `${describeValue(issue.input)} is not a number of commits` })
      .int({ error: (issue) => `${describeValue(issue.input)} is not a whole number of commits` })
      .min(1, { error: (issue) => `${describeValue(issue.input)} is less than 1 commit` })
      .max(MAX_CHECKOUT_DEPTH, { error: (issue) => `${describeValue(issue.input)} is more than ${MAX_CHECKOUT_DEPTH} commits` })
      .default(1)
      .describe("Commits of history fetched, the pushed one included (git fetch --depth). Default 1: the pushed commit only."),
    submodules: z
      .boolean({ error: (issue) => `${describeValue(issue.input)} is not true or false` })
      .default(false)
      .describe(
        `Also check out the commit's submodules (recursively, at most ${MAX_SUBMODULE_LEVELS} levels and ${MAX_SUBMODULES} submodules), each at the commit its gitlink names, one commit deep. Only submodules on the repository's own scheme and host (relative URLs such as ../lib.git included) are fetched; any other URL, and any odd name or path, fails the checkout. Default false: submodule folders stay empty.`,
      ),
    lfs: z
      .boolean({ error: (issue) => `${describeValue(issue.input)} is not true or false` })
      .default(false)
      .describe(
        "Also download the commit's Git LFS files in place of their pointer files, from the repository's LFS endpoint (<clone URL>/info/lfs), with the worker's git-lfs; a submodule's LFS files stay pointers. Default false: LFS pointer files are checked out as they are committed.",
      ),
  })
  .describe("How the pushed commit is checked out before the first step.");

/** Caches a pipeline may declare, paths a cache may hold, restore keys it may try (actions/cache has no more). */
export const MAX_CACHES = 10;
export const MAX_CACHE_PATHS = 20;
export const MAX_RESTORE_KEYS = 10;
/** Characters of a key template as written (its resolved key is checked against GitHub's 512 when the run resolves it). */
export const MAX_CACHE_KEY_CHARS = 512;

const cacheKeySchema = z
  .string({ error: (issue) => `${describeValue(issue.input)} is not a key (quote it)` })
  .refine((key) => key.trim() !== "", { error: 'is empty; give a key such as npm-{{ hashFiles "package-lock.json" }}' })
  .refine((key) => key.length <= MAX_CACHE_KEY_CHARS, { error: `is longer than ${MAX_CACHE_KEY_CHARS} characters` })
  .superRefine((key, context) => {
    const parsed = parseCacheKey(key);
    if (!parsed.ok) context.addIssue({ code: "custom", message: `${describeValue(key)} ${parsed.problem}` });
  });

/** Why a cache path is refused, or null: it must stay in the step's home (`~/…`) or the checkout. */
function cachePathProblem(path: string): string | null {
  if (path.trim() === "") return "is empty";
  if (path.startsWith("/")) return 'is absolute; cache paths are "~/…" (the step\'s home) or relative to the repository root';
  if (path.startsWith("~") && path !== "~" && !path.startsWith("~/")) return 'names another user\'s home; only "~/…" (the step\'s own) is allowed';
  const relative = path === "~" ? "" : path.startsWith("~/") ? path.slice(2) : path;
  if (relative.split("/").includes("..")) return 'has a ".." segment; cache paths must stay inside the home or the checkout';
  return null;
}

const cachePathSchema = z
  .string({ error: (issue) => `${describeValue(issue.input)} is not a path (quote it)` })
  .refine((path) => cachePathProblem(path) === null, {
    error: (issue) => `${describeValue(issue.input)} ${cachePathProblem(String(issue.input))}`,
  });

export const cacheSchema = z
  .strictObject({
    key: cacheKeySchema.describe(
      'The exact key saved and looked for: text plus {{ hashFiles "glob" … }} (sha256 over the matching files of the checkout, "" when none match), {{ os }} and {{ arch }}. No commas; resolved, at most 512 characters.',
    ),
    "restore-keys": z
      .array(cacheKeySchema, { error: (issue) => notAList(issue.input) })
      .max(MAX_RESTORE_KEYS, { error: `has more than ${MAX_RESTORE_KEYS} keys` })
      .optional()
      .describe("Key prefixes (templates like key) tried in order when the exact key is missing: the newest cache whose key starts with one is restored (a partial hit)."),
    paths: z
      .array(cachePathSchema, { error: (issue) => notAList(issue.input) })
      .min(1, { error: 'is empty; list what to cache, such as "~/.npm" or "node_modules"' })
      .max(MAX_CACHE_PATHS, { error: `has more than ${MAX_CACHE_PATHS} paths` })
      .describe('What the cache holds: "~/…" is in the step\'s home, anything else relative to the repository root. No absolute paths, no "..".'),
  })
  .describe("One dependency cache, like actions/cache: restored before the first step, saved after the pipeline succeeds when its exact key was missing.");

export const pipelineSchema = z
  .strictObject({
    on: triggerSchema.optional(),
    needs: z
      .array(z.string({ error: (issue) => `${describeValue(issue.input)} is not a pipeline name` }), {
        error: (issue) => notAList(issue.input),
      })
      .optional()
      .describe("Pipelines of this file that must succeed on the same commit before this one starts."),
    timeout: durationSchema
      .default(DEFAULT_PIPELINE_TIMEOUT)
      .describe('Limit for the whole pipeline: "90s", "10m", "1h" or combinations like "1h30m"; at most 24h.'),
    env: z
      .record(envNameSchema, envValueSchema, { error: (issue) => `${describeValue(issue.input)} is not a mapping of names to values` })
      .optional()
      .describe(
        "Environment variables for every step. Numbers and booleans are passed exactly as written. Names starting with GANTRY_ are reserved.",
      ),
    cancel_superseded: z
      .boolean({ error: (issue) => `${describeValue(issue.input)} is not true or false` })
      .default(true)
      .describe(
        "A newer push to the same branch cancels this pipeline's older queued and running runs. Default true. Pipelines with an environment never cancel a running run.",
      ),
    environment: z
      .string({ error: (issue) => `${describeValue(issue.input)} is not an environment name` })
      .regex(GROUP_NAME_PATTERN, { error: (issue) => `${describeValue(issue.input)} is not a valid environment name (up to 64 letters, digits, "_", ".", "-" or "/")` })
      .optional()
      .describe(
        "Deployment target, e.g. production. Runs for the same environment of a repository run one at a time; a running one is never cancelled, and of the runs waiting behind it only the newest runs.",
      ),
    concurrency: z
      .string({ error: (issue) => `${describeValue(issue.input)} is not a group name` })
      .regex(GROUP_NAME_PATTERN, { error: (issue) => `${describeValue(issue.input)} is not a valid group name (up to 64 letters, digits, "_", ".", "-" or "/")` })
      .optional()
      .describe("Group name: at most one run of the group runs at a time across every repository of the installation; the others wait."),
    network: z
      .enum(["host", "none"], { error: (issue) => `${describeValue(issue.input)} is not a network mode (use "host" or "none")` })
      .default("host")
      .describe(
        'What the steps may reach. "host" (default): the network of the machine, to download dependencies. "none": no network at all, not even loopback, for steps that must not send anything anywhere (e.g. ones that handle secrets).',
      ),
    checkout: checkoutSchema.optional(),
    secrets: z
      .array(secretNameSchema, { error: (issue) => notAList(issue.input) })
      .refine((names) => new Set(names).size === names.length, { error: "names a secret twice" })
      .optional()
      .describe(
        "Names of operator-held secrets (from the server's secrets file) that this pipeline's steps receive as environment variables. Only the names listed here are given; a name this push may not have fails the pipeline before its first step.",
      ),
    reports: reportsSchema.optional(),
    cache: z
      .array(cacheSchema, { error: (issue) => notAList(issue.input) })
      .max(MAX_CACHES, { error: `has more than ${MAX_CACHES} caches` })
      .optional()
      .describe("Dependency caches. A run reads its own branch's caches and the default branch's, and saves into its own branch's only; a tag reads the default branch's."),
    matchers: matchersSchema.optional(),
    steps: z
      .array(stepSchema, { error: (issue) => `${describeValue(issue.input)} is not a list of steps` })
      .min(1, { error: "is empty; a pipeline needs at least one step" })
      .describe("Commands run in order; the first failing step fails the pipeline."),
  })
  .superRefine((pipeline, context) => {
    for (const [index, name] of (pipeline.secrets ?? []).entries()) {
      if (pipeline.env && Object.hasOwn(pipeline.env, name)) {
        context.addIssue({ code: "custom", path: ["secrets", index], message: `${describeValue(name)} is also set in "env"; a variable comes from one place` });
      }
    }
  })
  .describe("A named list of steps run on matching pushes.");

const pipelineNameSchema = z.string().regex(PIPELINE_NAME_PATTERN, {
  error: (issue) =>
    `${describeValue(issue.input)} is not a valid pipeline name (use up to 64 letters, digits, "_", "." or "-", starting with a letter or digit)`,
});

export const configSchema = z
  .strictObject(
    {
      version: z
        .literal(1, { error: (issue) => `${describeValue(issue.input)} is not a supported version (use 1)` })
        .optional()
        .describe("Version of this file format. Only 1 exists."),
      pipelines: z
        .record(pipelineNameSchema, pipelineSchema, {
          error: (issue) => `${describeValue(issue.input)} is not a mapping of pipeline names to pipelines`,
        })
        .refine((pipelines) => Object.keys(pipelines).length > 0, { error: "is empty; define at least one pipeline" })
        .meta({ minProperties: 1 })
        .describe("Pipelines by name. Names become check-run names: up to 64 letters, digits, \"_\", \".\" or \"-\"."),
    },
    {
      error: (issue) => {
        if (issue.code !== "invalid_type") return undefined;
        if (issue.input === null || issue.input === undefined) return `the file is empty; it needs a "pipelines" mapping`;
        return `the file must be a mapping with a "pipelines" key, not ${describeValue(issue.input)}`;
      },
    },
  )
  .meta({ title: "Gantry configuration" })
  .describe("Configuration for gantry, read from .github/gantry.yml.");

/** The file as validated, before defaults and normalisation. */
export type RawConfig = z.output<typeof configSchema>;
export type RawPipeline = z.output<typeof pipelineSchema>;
export type RawStep = z.output<typeof stepSchema>;
