import { readFileSync } from "node:fs";

/** One operation of the OpenAPI subset (what GitHub documents for a method + path template). */
export interface Operation {
  method: string;
  /** OpenAPI path template, e.g. `/repos/{owner}/{repo}/check-runs/{check_run_id}`. */
  template: string;
  operationId: string;
  documentationUrl: string;
  /** JSON schema of the request body, when the operation takes one. */
  bodySchema?: Record<string, unknown>;
  bodyRequired: boolean;
}

export interface OperationMatch {
  operation: Operation;
  /** Path parameters, percent-decoded. */
  params: Record<string, string>;
}

export interface OperationIndex {
  operations: Operation[];
  /** Finds the operation for a request; `path` is the API path without `/api/v3` and query. */
  match(method: string, path: string): OperationMatch | undefined;
}

export const OPENAPI_SUBSET_PATH = new URL("../fixtures/openapi-subset.json", import.meta.url);
/** Operations the subset lacks, from the same @octokit/openapi version (scripts/generate-openapi-extra.mjs writes it). */
export const OPENAPI_EXTRA_PATH = new URL("../fixtures/openapi-extra.json", import.meta.url);

const HTTP_METHODS = new Set(["get", "put", "post", "patch", "delete", "head", "options"]);

interface Matcher {
  operation: Operation;
  regex: RegExp;
  names: string[];
  literalSegments: number;
}

/**
 * Indexes the subset so any request path maps to its template generically: `{param}` matches one
 * segment, or several when the spec marks it `x-multi-segment` (contents paths). Templates with
 * more literal segments are tried first so `/check-runs/{id}` never shadows a longer literal route.
 */
export function loadOperations(spec: unknown = readSpecs()): OperationIndex {
  const paths = (spec as { paths?: Record<string, Record<string, unknown>> }).paths ?? {};
  const matchers: Matcher[] = [];
  for (const [template, methods] of Object.entries(paths)) {
    for (const [method, rawOperation] of Object.entries(methods)) {
      if (!HTTP_METHODS.has(method)) continue;
      const op = rawOperation as RawOperation;
      const multiSegment = new Set(
        (op.parameters ?? []).filter((p) => p.in === "path" && p["x-multi-segment"] === true).map((p) => p.name),
      );
      const names: string[] = [];
      let literalSegments = 0;
      const pattern = template
        .split("/")
        .map((segment) => {
          const param = /^\{(\w+)\}$/.exec(segment);
          if (!param) {
            literalSegments += 1;
            return escapeRegex(segment);
          }
          const name = param[1] as string;
          names.push(name);
          return multiSegment.has(name) ? "(.+)" : "([^/]+)";
        })
        .join("/");
      const schema = op.requestBody?.content?.["application/json"]?.schema;
      const operation: Operation = {
        method: method.toUpperCase(),
        template,
        operationId: op.operationId ?? `${method.toUpperCase()} ${template}`,
        documentationUrl: op.externalDocs?.url ?? "https://docs.github.com/rest",
        bodyRequired: op.requestBody?.required === true,
        ...(schema ? { bodySchema: schema } : {}),
      };
      matchers.push({ operation, regex: new RegExp(`^${pattern}/?$`), names, literalSegments });
    }
  }
  matchers.sort((a, b) => b.literalSegments - a.literalSegments || b.operation.template.length - a.operation.template.length);

  return {
    operations: matchers.map((m) => m.operation),
    match(method, path) {
      const upper = method.toUpperCase();
      for (const matcher of matchers) {
        if (matcher.operation.method !== upper) continue;
        const found = matcher.regex.exec(path);
        if (!found) continue;
        const params: Record<string, string> = {};
        try {
          matcher.names.forEach((name, i) => {
            params[name] = decodeURIComponent(found[i + 1] as string);
          });
        } catch {
          continue;
        }
        return { operation: matcher.operation, params };
      }
      return undefined;
    },
  };
}

/** Every description the fake validates against, in the order they are merged. */
export const OPENAPI_SPEC_PATHS = [OPENAPI_SUBSET_PATH, OPENAPI_EXTRA_PATH];

export function readSpec(path: URL | string = OPENAPI_SUBSET_PATH): unknown {
  return JSON.parse(readFileSync(path, "utf8"));
}

/** The subset and the extra operations as one description (the two share no path template and method). */
export function readSpecs(): { paths: Record<string, Record<string, unknown>> } {
  const merged: Record<string, Record<string, unknown>> = {};
  for (const path of OPENAPI_SPEC_PATHS) {
    const spec = readSpec(path) as { paths: Record<string, Record<string, unknown>> };
    for (const [template, methods] of Object.entries(spec.paths)) merged[template] = { ...merged[template], ...methods };
  }
  return { paths: merged };
}

interface RawOperation {
  operationId?: string;
  externalDocs?: { url?: string };
  parameters?: Array<{ name: string; in: string; "x-multi-segment"?: boolean }>;
  requestBody?: {
    required?: boolean;
    content?: Record<string, { schema?: Record<string, unknown> }>;
  };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
