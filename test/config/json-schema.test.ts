import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildJsonSchema } from "../../src/config/json-schema.js";

const committed = new URL("../../schema/gantry.schema.json", import.meta.url);

describe("schema/gantry.schema.json", () => {
  it("is exactly what scripts/generate-schema.mjs writes (regenerate after changing src/config/schema.ts)", () => {
    expect(readFileSync(committed, "utf8")).toBe(`${JSON.stringify(buildJsonSchema(), null, 2)}\n`);
  });
});

describe("buildJsonSchema", () => {
  const validate = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true }).compile(buildJsonSchema());
  const check = (text: string) => (validate(parse(text)) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));

  it("carries a description for every option", () => {
    const undocumented: string[] = [];
    const options: string[] = [];
    const walk = (schema: unknown, path: string) => {
      if (typeof schema !== "object" || schema === null) return;
      const node = schema as { properties?: Record<string, { description?: string }> };
      for (const [name, property] of Object.entries(node.properties ?? {})) {
        options.push(`${path}/${name}`);
        if (typeof property.description !== "string" || property.description === "") undocumented.push(`${path}/${name}`);
      }
      for (const [key, child] of Object.entries(schema)) walk(child, key === "properties" ? path : `${path}/${key}`);
    };
    walk(buildJsonSchema(), "");
    expect(options).toHaveLength(44);
    expect(undocumented).toEqual([]);
  });

  it("accepts the documented example", () => {
    expect(
      check(`
pipelines:
  build:
    on: { branches: [main, "release/*"], tags: ["v*"], paths: ["src/**"] }
    timeout: 1h30m
    env: { NODE_ENV: test, RETRIES: 3, DEBUG: false }
    steps:
      - name: Install
        run: npm ci
      - run: npm test
        timeout: 5m
  deploy:
    needs: [build]
    steps: [{ run: ./deploy.sh }]
version: 1
`),
    ).toEqual([]);
  });

  it("rejects what the parser rejects structurally", () => {
    expect(check("pipelines:\n  build:\n    step: [{ run: x }]\n")).toEqual([
      "/pipelines/build must have required property 'steps'",
      "/pipelines/build must NOT have additional properties",
    ]);
    expect(check("pipelines: {}\n")).toEqual(["/pipelines must NOT have fewer than 1 properties"]);
    expect(check("pipelines:\n  a: { timeout: 90, steps: [{ run: x }] }\n")).toEqual(["/pipelines/a/timeout must be string"]);
    expect(check("pipelines:\n  a: { timeout: 10x, steps: [{ run: x }] }\n")).toEqual([
      '/pipelines/a/timeout must match pattern "^(?=\\d)(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?$"',
    ]);
    expect(check("pipelines:\n  a: { steps: [] }\n")).toEqual(["/pipelines/a/steps must NOT have fewer than 1 items"]);
    expect(check("pipelines:\n  a: { env: { GANTRY_X: y }, steps: [{ run: x }] }\n")).toEqual([
      '/pipelines/a/env must match pattern "^(?!GANTRY_)(?!__proto__$)[A-Za-z_][A-Za-z0-9_]*$"',
      "/pipelines/a/env property name must be valid",
    ]);
    expect(check("pipelines:\n  'a b': { steps: [{ run: x }] }\n")).toEqual([
      '/pipelines must match pattern "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"',
      "/pipelines property name must be valid",
    ]);
    expect(check("version: 2\npipelines:\n  a: { steps: [{ run: x }] }\n")).toEqual(["/version must be equal to constant"]);
  });
});
