import { describe, expect, it } from "vitest";
import { formatConfigError } from "../../src/config/format-config-error.js";
import { parseSecretsFile, type SecretsFile } from "../../src/config/parse-secrets-file.js";
import { secretFilePaths } from "../../src/config/secrets-file-paths.js";
import { yaml } from "./helpers.js";

const F = "/etc/gantry/secrets.yml";

function errorsOf(text: string): string[] {
  const result = parseSecretsFile(text, F);
  if (result.ok) throw new Error(`expected errors, got ${JSON.stringify(result.secrets)}`);
  return result.errors.map(formatConfigError);
}

function secretsOf(text: string): SecretsFile {
  const result = parseSecretsFile(text, F);
  if (!result.ok) throw new Error(`expected a valid file, got:\n${result.errors.map(formatConfigError).join("\n")}`);
  return result.secrets;
}

/** The example, with its three kinds of source. */
const EXAMPLE = yaml(
  "environments:",
  "  production:",
  '    repositories: ["acme/web"]',
  '    branches: ["main"]',
  '    tags: ["v*"]',
  "    secrets:",
  '      DEPLOY_TOKEN: "a literal value"',
  "      SSH_KEY: { file: /etc/gantry/deploy_key }",
  "      NPM_TOKEN: { env: GANTRY_SECRET_NPM_TOKEN }",
  "repositories:",
  '  "acme/*":',
  "    secrets:",
  "      CODECOV_TOKEN: { env: GANTRY_SECRET_CODECOV }",
  '  "other/*":',
  "    secrets: {}",
);

describe("parseSecretsFile: valid files", () => {
  it("reads the documented example into plain data, repositories in file order", () => {
    const secrets = secretsOf(EXAMPLE);
    expect(secrets).toEqual({
      environments: {
        production: {
          repositories: ["acme/web"],
          branches: ["main"],
          tags: ["v*"],
          secrets: {
            DEPLOY_TOKEN: { value: "a literal value" },
            SSH_KEY: { file: "/etc/gantry/deploy_key" },
            NPM_TOKEN: { env: "GANTRY_SECRET_NPM_TOKEN" },
          },
        },
      },
      repositories: { "acme/*": { secrets: { CODECOV_TOKEN: { env: "GANTRY_SECRET_CODECOV" } } }, "other/*": { secrets: {} } },
    });
    expect(Object.keys(secrets.repositories)).toEqual(["acme/*", "other/*"]);
  });

  it("reads absent branches and tags as null (none), not as every branch", () => {
    const secrets = secretsOf(yaml("environments:", "  staging:", "    repositories: ['acme/*']", "    secrets: { A: abcd }"));
    expect(secrets.environments["staging"]).toEqual({ repositories: ["acme/*"], branches: null, tags: null, secrets: { A: { value: "abcd" } } });
  });

  it.each([
    ["an empty file", ""],
    ["only comments", "# no secrets yet\n"],
    ["only a document marker", "---\n"],
  ])("takes %s as no secrets", (_, text) => {
    expect(secretsOf(text)).toEqual({ environments: {}, repositories: {} });
  });

  it("lists the files that sources read, once each, for the sandbox to hide", () => {
    const secrets = secretsOf(
      yaml("environments:", "  p:", "    repositories: ['a/b']", "    secrets: { A: { file: /k/a }, B: { file: /k/b } }", "repositories:", "  'a/*': { secrets: { C: { file: /k/a }, D: abcd } }"),
    );
    expect(secretFilePaths(secrets)).toEqual(["/k/a", "/k/b"]);
  });
});

describe("parseSecretsFile: errors, with positions, never a value", () => {
  it("rejects a file that is not a mapping", () => {
    expect(errorsOf(yaml("# secrets", "- DEPLOY_TOKEN"))).toEqual([`${F}:2:1: the file must be a mapping with "environments" and/or "repositories", not a list`]);
  });

  it("requires an environment's repositories, and refuses an empty list", () => {
    expect(errorsOf(yaml("environments:", "  production:", "    branches: [main]", "    secrets: { A: abcd }"))).toEqual([
      `${F}:3:5: environments.production: missing required option "repositories"`,
    ]);
    expect(errorsOf(yaml("environments:", "  production:", "    repositories: []"))).toEqual([
      `${F}:3:19: environments.production.repositories: is empty, so no repository may use this environment`,
    ]);
  });

  it("refuses a literal shorter than 4 characters without showing it", () => {
    const errors = errorsOf(yaml("repositories:", "  acme/web:", "    secrets:", '      TOKEN: "q7x"', "      OTHER: { value: '  z9 ' }"));
    expect(errors).toEqual([
      `${F}:4:14: repositories["acme/web"].secrets.TOKEN: is shorter than 4 characters (not counting spaces at its ends); masking a value that short would hide ordinary text all over the logs`,
      `${F}:5:23: repositories["acme/web"].secrets.OTHER.value: is shorter than 4 characters (not counting spaces at its ends); masking a value that short would hide ordinary text all over the logs`,
    ]);
    expect(errors.join("\n")).not.toContain("q7x");
    expect(errors.join("\n")).not.toContain("z9");
  });

  it("never quotes a value of the wrong type, nor a value that YAML read as a key", () => {
    const errors = errorsOf(yaml("repositories:", "  acme/web:", "    secrets:", "      PIN: 98127", "      TOKEN: { s3cr3tvalue }", "      KEY: { fiel: /etc/k }", "      EMPTY:"));
    expect(errors).toEqual([
      `${F}:4:12: repositories["acme/web"].secrets.PIN: a number is not a secret (give a string, { file: /absolute/path } or { env: VARIABLE }; quote numbers and booleans)`,
      `${F}:5:16: repositories["acme/web"].secrets.TOKEN: unknown option (use one of: value, file, env)`,
      `${F}:6:14: repositories["acme/web"].secrets.KEY: unknown option (did you mean "file"?)`,
      `${F}:7:7: repositories["acme/web"].secrets.EMPTY: is empty; give a string, { file: /absolute/path } or { env: VARIABLE }`,
    ]);
    expect(errors.join("\n")).not.toContain("98127");
    expect(errors.join("\n")).not.toContain("s3cr3t");
  });

  it("does not repeat a literal's text from a YAML syntax error", () => {
    const errors = errorsOf(yaml("repositories:", "  acme/web:", "    secrets:", '      TOKEN: "ab\\qsecret"'));
    expect(errors).toEqual([`${F}:4:17: Invalid escape sequence`]);
  });

  it("does not repeat a key under a secret that appears twice", () => {
    expect(errorsOf(yaml("repositories:", "  acme/web:", "    secrets:", "      TOKEN: { k3y9: 1, k3y9: 2 }"))).toEqual([
      `${F}:4:25: repositories["acme/web"].secrets.TOKEN: a key appears twice in this mapping`,
    ]);
  });

  it("wants file: absolute, env: a variable name that is not gantry's own credentials, and one source", () => {
    expect(
      errorsOf(
        yaml(
          "repositories:",
          "  acme/web:",
          "    secrets:",
          "      A: { file: keys/deploy }",
          "      B: { env: 1TOKEN }",
          "      C: { env: PRIVATE_KEY }",
          "      D: { file: /k, env: TOKEN }",
        ),
      ),
    ).toEqual([
      `${F}:4:18: repositories["acme/web"].secrets.A.file: "keys/deploy" is not an absolute path (write the file's full path, starting with "/")`,
      `${F}:5:17: repositories["acme/web"].secrets.B.env: "1TOKEN" is not a variable name (letters, digits and "_", not starting with a digit)`,
      `${F}:6:17: repositories["acme/web"].secrets.C.env: "PRIVATE_KEY" holds gantry's own credentials, which pipelines may never have`,
      `${F}:7:10: repositories["acme/web"].secrets.D: gives "file" and "env"; a secret comes from one place`,
    ]);
  });

  it("validates secret and environment names like the config does", () => {
    expect(errorsOf(yaml("environments:", "  prod uction:", "    repositories: ['a/b']", "repositories:", "  a/b:", "    secrets: { GANTRY_TOKEN: abcd, 9X: abcd }"))).toEqual([
      `${F}:2:3: environments: "prod uction" is not a valid environment name (up to 64 letters, digits, "_", ".", "-" or "/")`,
      `${F}:6:16: repositories["a/b"].secrets: "GANTRY_TOKEN" is reserved: names starting with GANTRY_ are set by gantry`,
      `${F}:6:36: repositories["a/b"].secrets: "9X" is not a valid secret name (use letters, digits and "_", not starting with a digit)`,
    ]);
  });

  it("validates globs as the config's compile-glob does, and wants owner/name for repositories", () => {
    expect(
      errorsOf(
        yaml(
          "environments:",
          "  production:",
          "    repositories: ['acme', 'acme/[z-a]']",
          "    branches: ['main', '[b-a]']",
          "    tags: ['!v*']",
          "repositories:",
          "  '!acme/old': { secrets: {} }",
        ),
      ),
    ).toEqual([
      `${F}:3:20: environments.production.repositories[0]: "acme" has no "/"; write owner/name, e.g. "acme/*"`,
      `${F}:3:28: environments.production.repositories[1]: "acme/[z-a]" is not a valid pattern (Range out of order in character class)`,
      `${F}:4:24: environments.production.branches[1]: "[b-a]" is not a valid pattern (Range out of order in character class)`,
      `${F}:5:11: environments.production.tags: has only negative patterns, so it matches nothing`,
      `${F}:7:3: repositories: "!acme/old" starts with "!"; here a pattern can only include (exclude in an environment's "repositories" list)`,
    ]);
  });

  it("names unknown options with suggestions, as the config parser does", () => {
    expect(errorsOf(yaml("environment:", "  p: {}", "repositories:", "  a/b:", "    secret: {}", "    other: 1"))).toEqual([
      `${F}:1:1: unknown option "environment" (did you mean "environments"?)`,
      `${F}:5:5: repositories["a/b"]: unknown option "secret" (did you mean "secrets"?)`,
      `${F}:6:5: repositories["a/b"]: unknown option "other" (expected one of: secrets)`,
    ]);
    expect(errorsOf(yaml("environments:", "  p:", "    repositories: ['a/b']", "    branch: [main]"))).toEqual([
      `${F}:4:5: environments.p: unknown option "branch" (did you mean "branches"?)`,
    ]);
  });
});
