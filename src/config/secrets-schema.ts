import * as z from "zod";
import { globError } from "./glob-error.js";
import { describeValue } from "./describe-value.js";
import { GROUP_NAME_PATTERN } from "./schema.js";
import { MIN_SECRET_CHARS } from "./secrets-types.js";

// Messages about a secret's value never quote it: they end up in gantry's log, a terminal, a check run.

/** The names steps see; like `env` names of the config, `GANTRY_*` is gantry's own. */
export const SECRET_NAME_PATTERN = /^(?!GANTRY_)(?!__proto__$)[A-Za-z_][A-Za-z0-9_]*$/;
/** A variable of gantry's own environment; GANTRY_* is allowed here, and is where the operator should keep them. */
const VARIABLE_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** gantry's own credentials: handing them to a pipeline would give every step the App's powers. */
const OWN_SECRETS = /^(PRIVATE_KEY.*|WEBHOOK_SECRET|GITHUB_CLIENT_SECRET|REDIS_URL)$/;

/** What a value is, never what it says. */
function kindOf(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return "a string";
  if (typeof value === "number") return "a number";
  if (typeof value === "boolean") return "true or false";
  return "a mapping";
}

const SOURCE_FORMS = `a string, { file: /absolute/path } or { env: VARIABLE }`;

const secretNameSchema = z.string().regex(SECRET_NAME_PATTERN, {
  error: (issue) => {
    const name = String(issue.input);
    if (name.startsWith("GANTRY_")) return `${describeValue(name)} is reserved: names starting with GANTRY_ are set by gantry`;
    return `${describeValue(name)} is not a valid secret name (use letters, digits and "_", not starting with a digit)`;
  },
});

const environmentNameSchema = z.string().regex(GROUP_NAME_PATTERN, {
  error: (issue) => `${describeValue(issue.input)} is not a valid environment name (up to 64 letters, digits, "_", ".", "-" or "/")`,
});

const literalSchema = z
  .string({ error: (issue) => `${kindOf(issue.input)} is not a secret value (quote it to make it a string)` })
  .refine((value) => !value.includes("\0"), { error: "contains a NUL character, which an environment variable cannot hold" })
  .refine((value) => Array.from(value.trim()).length >= MIN_SECRET_CHARS, {
    error: `is shorter than ${MIN_SECRET_CHARS} characters (not counting spaces at its ends); masking a value that short would hide ordinary text all over the logs`,
  });

const fileSchema = z
  .string({ error: (issue) => `${describeValue(issue.input)} is not a path` })
  .refine((path) => path.startsWith("/"), {
    error: (issue) => `${describeValue(issue.input)} is not an absolute path (write the file's full path, starting with "/")`,
  });

const variableSchema = z
  .string({ error: (issue) => `${describeValue(issue.input)} is not a variable name` })
  .regex(VARIABLE_PATTERN, { error: (issue) => `${describeValue(issue.input)} is not a variable name (letters, digits and "_", not starting with a digit)` })
  .refine((name) => !OWN_SECRETS.test(name), {
    error: (issue) => `${describeValue(issue.input)} holds gantry's own credentials, which pipelines may never have`,
  });

export const secretSourceSchema = z.preprocess(
  // A bare string is the value itself; the mapping forms say where to find it.
  (input) => (typeof input === "string" ? { value: input } : input),
  z
    .strictObject(
      {
        value: literalSchema.optional().describe(`The secret itself; the same as writing the string in place of the mapping. At least ${MIN_SECRET_CHARS} characters.`),
        file: fileSchema
          .optional()
          .describe("Absolute path of a file whose content is the secret, read when a run starts (one trailing line ending removed). Steps never see the file itself."),
        env: variableSchema.optional().describe("A variable of gantry's own environment whose value is the secret, read when a run starts, e.g. GANTRY_SECRET_NPM_TOKEN."),
      },
      {
        error: (issue) => {
          if (issue.code !== "invalid_type") return undefined;
          if (issue.input === null) return `is empty; give ${SOURCE_FORMS}`;
          return `${kindOf(issue.input)} is not a secret (give ${SOURCE_FORMS}; quote numbers and booleans)`;
        },
      },
    )
    .superRefine((source, context) => {
      const given = (["value", "file", "env"] as const).filter((key) => source[key] !== undefined);
      if (given.length === 0) context.addIssue({ code: "custom", message: `is empty; give ${SOURCE_FORMS}` });
      if (given.length > 1) context.addIssue({ code: "custom", message: `gives ${given.map((key) => JSON.stringify(key)).join(" and ")}; a secret comes from one place` });
    }),
);

const secretsSchema = z
  .record(secretNameSchema, secretSourceSchema, { error: (issue) => `${kindOf(issue.input)} is not a mapping of secret names to values` })
  .default({})
  .describe(`Secrets by name, as the steps see them: ${SOURCE_FORMS}.`);

function globSchema(what: string, options: { negatable: boolean; repository: boolean }) {
  return z
    .string({ error: (issue) => `${describeValue(issue.input)} is not ${what} (quote it)` })
    .superRefine((pattern, context) => {
      const negative = options.negatable && pattern.startsWith("!");
      const glob = negative ? pattern.slice(1) : pattern;
      const say = (message: string) => context.addIssue({ code: "custom", message: `${describeValue(pattern)} ${message}` });
      if (glob === "") return say("is an empty pattern");
      if (!options.negatable && glob.startsWith("!")) return say(`starts with "!"; here a pattern can only include (exclude in an environment's "repositories" list)`);
      const broken = globError(glob);
      if (broken !== null) return say(`is not a valid pattern (${broken})`);
      // "acme" alone can never match "acme/web": "*" stays within one segment.
      if (options.repository && !glob.includes("/") && !glob.includes("**")) return say(`has no "/"; write owner/name, e.g. "acme/*"`);
      return undefined;
    });
}

function notAList(input: unknown): string {
  const hint = typeof input === "string" ? ` (write [${JSON.stringify(input)}])` : "";
  return `${describeValue(input)} is not a list${hint}`;
}

function globListSchema(what: string, options: { negatable: boolean; repository: boolean }) {
  return z
    .array(globSchema(what, options), { error: (issue) => notAList(issue.input) })
    .refine((patterns) => patterns.length === 0 || patterns.some((pattern) => !pattern.startsWith("!")), {
      error: `has only negative patterns, so it matches nothing`,
    });
}

export const environmentSchema = z
  .strictObject({
    repositories: globListSchema("a repository pattern", { negatable: true, repository: true })
      .refine((patterns) => patterns.length > 0, { error: "is empty, so no repository may use this environment" })
      .describe(
        'owner/name globs of the repositories whose pipelines may use this environment, compared case-insensitively ("*" stays within owner or name; a leading "!" excludes; the last match decides). Required.',
      ),
    branches: globListSchema("a branch pattern", { negatable: true, repository: false })
      .optional()
      .describe('Branch-name globs: pushes to these branches may use the environment ("!" excludes, the last match decides). Absent: no branch.'),
    tags: globListSchema("a tag pattern", { negatable: true, repository: false })
      .optional()
      .describe("Tag-name globs: pushed tags that may use the environment. Absent: no tag. A tag is never a branch: `main` here is not the branch main."),
    secrets: secretsSchema,
  })
  .describe('Secrets for pipelines with `environment: <this name>`, on the repositories and refs it accepts.');

export const repositoryScopeSchema = z
  .strictObject({ secrets: secretsSchema })
  .describe("Secrets for every pipeline of the matching repositories, on any branch or tag.");

export const secretsFileSchema = z
  .strictObject(
    {
      environments: z
        .record(environmentNameSchema, environmentSchema, { error: (issue) => `${kindOf(issue.input)} is not a mapping of environment names to environments` })
        .default({})
        .describe("Deployment environments by name, as pipelines name them in `environment:`."),
      repositories: z
        .record(globSchema("a repository pattern", { negatable: false, repository: true }), repositoryScopeSchema, {
          error: (issue) => `${kindOf(issue.input)} is not a mapping of owner/name patterns to secrets`,
        })
        .default({})
        .describe('Secrets by owner/name glob (compared case-insensitively); where several match, the first in the file that defines a name gives it.'),
    },
    {
      error: (issue) => {
        if (issue.code !== "invalid_type") return undefined;
        return `the file must be a mapping with "environments" and/or "repositories", not ${kindOf(issue.input)}`;
      },
    },
  )
  .meta({ title: "Gantry secrets file" })
  .describe("The operator's secrets (GANTRY_SECRETS_FILE), kept on the server, never in a repository.");

export type RawSecretsFile = z.output<typeof secretsFileSchema>;
