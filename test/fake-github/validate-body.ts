import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { Operation } from "./openapi-operations.js";
import { toJsonSchema } from "./to-json-schema.js";

/** Returns GitHub's 422 message for an invalid body, or undefined when the body is acceptable. */
export type BodyValidator = (operation: Operation, body: unknown) => string | undefined;

// RFC 3339 as GitHub accepts it: `Date#toISOString()` output, with or without fraction, Z or offset.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * Validates request bodies against the OpenAPI subset's schemas with Ajv. Validators are compiled
 * lazily (the inlined schemas are large) and cached per operation.
 */
export function createBodyValidator(): BodyValidator {
  // verbose: errors carry the offending value, so the 422 message can say what was sent.
  const ajv = new Ajv({ strict: false, allErrors: true, verbose: true });
  // The subset uses exactly these formats; registering them avoids pulling in ajv-formats.
  ajv.addFormat("date-time", { type: "string", validate: (s) => DATE_TIME.test(s) && !Number.isNaN(Date.parse(s)) });
  ajv.addFormat("uri", { type: "string", validate: isUri });
  ajv.addFormat("email", { type: "string", validate: (s) => /^[^\s@]+@[^\s@]+$/.test(s) });
  ajv.addFormat("int64", { type: "number", validate: (n) => Number.isInteger(n) });

  const cache = new Map<string, ValidateFunction>();
  return (operation, body) => {
    if (!operation.bodySchema) return undefined;
    let validate = cache.get(operation.operationId);
    if (!validate) {
      validate = ajv.compile(toJsonSchema(operation.bodySchema) as Record<string, unknown>);
      cache.set(operation.operationId, validate);
    }
    if (validate(body)) return undefined;
    return `Invalid request.\n\n${(validate.errors ?? []).map(describeError).join("\n")}`;
  };
}

/** Ajv's errorsText line (`body/status must be ...`) plus the allowed values and what was sent. */
function describeError(error: ErrorObject): string {
  const line = `body${error.instancePath} ${error.message ?? "is invalid"}`;
  if (error.keyword === "enum") {
    const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues ?? [];
    return `${line}: ${allowed.map((v) => JSON.stringify(v)).join(", ")} (got ${JSON.stringify(error.data)})`;
  }
  if (error.keyword === "type" || error.keyword === "format") return `${line} (got ${JSON.stringify(error.data)})`;
  return line;
}

function isUri(value: string): boolean {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}
