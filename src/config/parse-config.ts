import { buildConfig } from "./build-config.js";
import { checkNeeds } from "./check-needs.js";
import type { ConfigError, ParseConfigResult } from "./config-types.js";
import { describeIssue } from "./describe-issue.js";
import { explainIssues } from "./explain-issues.js";
import { findKeyProblems } from "./find-key-problems.js";
import { listKeys } from "./list-keys.js";
import { readYamlDocument } from "./read-yaml-document.js";
import { configSchema } from "./schema.js";
import { sortConfigErrors } from "./sort-config-errors.js";

export type { ConfigError, GantryConfig, ParseConfigResult, PipelineConfig, StepConfig } from "./config-types.js";
export { formatConfigError } from "./format-config-error.js";
export { MAX_ALIAS_COUNT } from "./read-yaml-document.js";
export { MAX_REPORTED_ERRORS } from "./sort-config-errors.js";

/** Where a repository keeps its config, read from the pushed commit (and by `gantry run` from the working tree). */
export const CONFIG_PATH = ".github/gantry.yml";
export const MAX_CONFIG_BYTES = 256 * 1024;

/** Validates a gantry config file; every error carries the 1-based line and column of the node to fix. */
export function parseConfig(text: string, file: string = CONFIG_PATH): ParseConfigResult {
  const fail = (errors: ConfigError[]): ParseConfigResult => ({ ok: false, errors: sortConfigErrors(errors) });
  const read = readYamlDocument(text, file, MAX_CONFIG_BYTES);
  if (!read.ok) return fail(read.errors);
  const { doc, data, toError } = read;

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
