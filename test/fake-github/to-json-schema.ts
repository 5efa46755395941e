/**
 * Converts an OpenAPI 3.0 schema to plain JSON Schema for Ajv. OpenAPI's `nullable: true` is not
 * JSON Schema: Ajv only understands it next to `type` and still rejects null when an `enum` lacks
 * it (GitHub returns `conclusion: null` for a schema `enum` without null). So nullable becomes an
 * explicit `"null"` type / enum member, or an `anyOf` with `{ type: "null" }` when there is no type.
 */
const DATA_KEYWORDS = new Set(["example", "examples", "enum", "default", "const"]);

export function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (schema === null || typeof schema !== "object") return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DATA_KEYWORDS.has(key)) {
      // Examples, enums and defaults are data, not schemas: copy them untouched.
      out[key] = value;
    } else if ((key === "properties" || key === "patternProperties") && value !== null && typeof value === "object") {
      // Property names are arbitrary (a property may be called "enum" or "default").
      out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, toJsonSchema(sub)]));
    } else {
      out[key] = toJsonSchema(value);
    }
  }
  if (out["nullable"] !== true) return out;
  delete out["nullable"];
  if (Array.isArray(out["enum"]) && !out["enum"].includes(null)) out["enum"] = [...out["enum"], null];
  if (typeof out["type"] === "string") {
    out["type"] = [out["type"], "null"];
    return out;
  }
  return { anyOf: [out, { type: "null" }] };
}
