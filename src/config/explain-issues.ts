import type * as z from "zod";
import type { ConfigProblem } from "./config-problem.js";
import type { PathSegment } from "./format-path.js";
import { configSchema, pipelineSchema, stepSchema, triggerSchema } from "./schema.js";
import { suggestName } from "./suggest-name.js";

/** Which keys the strict object at `path` allows, for "did you mean" hints. */
export type KnownKeys = (path: readonly PathSegment[]) => string[];

/** Turns zod issues into problems that name the option and say where to look; `knownKeys` defaults to the config file's shape. */
export function explainIssues(issues: readonly z.core.$ZodIssue[], knownKeys: KnownKeys = knownKeysAt): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    const path = issue.path.filter(isSegment);
    if (issue.code === "unrecognized_keys") {
      // One problem per key so each points at its own line.
      for (const key of issue.keys) {
        problems.push({ path, message: unknownOption(key, knownKeys(path)), at: [...path, key], atKey: true });
      }
    } else if (issue.code === "invalid_key") {
      const message = issue.issues[0]?.message ?? issue.message;
      problems.push({ path: path.slice(0, -1), message, at: path, atKey: true });
    } else if (issue.code === "invalid_type" && issue.input === undefined && path.length > 0) {
      const parent = path.slice(0, -1);
      problems.push({ path: parent, message: `missing required option ${JSON.stringify(path.at(-1))}`, at: parent, atKey: false });
    } else {
      problems.push({ path, message: issue.message, at: path, atKey: false });
    }
  }
  return problems;
}

function isSegment(segment: PropertyKey): segment is PathSegment {
  return typeof segment === "string" || typeof segment === "number";
}

function unknownOption(key: string, known: readonly string[]): string {
  const name = JSON.stringify(key);
  if (key === "<<") return `unknown option ${name} (YAML merge keys are not supported)`;
  const suggestion = suggestName(key, known);
  if (suggestion !== null) return `unknown option ${name} (did you mean ${JSON.stringify(suggestion)}?)`;
  return known.length > 0 ? `unknown option ${name} (expected one of: ${known.join(", ")})` : `unknown option ${name}`;
}

/** Which keys the strict object at `path` allows; the config's shape is fixed, so the path's shape says which object it is. */
function knownKeysAt(path: readonly PathSegment[]): string[] {
  if (path.length === 0) return Object.keys(configSchema.shape);
  if (path[0] !== "pipelines") return [];
  if (path.length === 2) return Object.keys(pipelineSchema.shape);
  if (path.length === 3 && path[2] === "on") return Object.keys(triggerSchema.shape);
  if (path.length === 4 && path[2] === "steps") return Object.keys(stepSchema.shape);
  return [];
}
