import { describe, expect, it } from "vitest";
import { MAX_CONFIG_BYTES, MAX_REPORTED_ERRORS, parseConfig } from "../../src/config/parse-config.js";
import { errorsOf, yaml } from "./helpers.js";

const F = ".github/gantry.yml";

describe("parseConfig: YAML syntax", () => {
  it("reports an unclosed flow sequence where yaml notices it", () => {
    expect(errorsOf(yaml("pipelines:", "  a:", "    steps: [{ run: x }", "  b:", "    steps: [{ run: y }]"))).toEqual([
      `${F}:4:3: Flow sequence in block collection must be sufficiently indented and end with a ]`,
    ]);
  });

  it("reports a tab used for indentation", () => {
    expect(errorsOf("pipelines:\n\ta:\n")).toEqual([`${F}:2:1: Tabs are not allowed as indentation; indent with spaces`]);
  });

  it("reports a bad indentation", () => {
    expect(errorsOf(yaml("pipelines:", "  a:", "    steps:", "      - run: x", "     timeout: 1m"))).toEqual([
      `${F}:5:1: All mapping items must start at the same column`,
    ]);
  });

  it("reports an unterminated quoted string at its opening quote, without the brackets it swallowed", () => {
    expect(errorsOf(yaml("pipelines:", "  a:", '    steps: [{ run: "x }]'))).toEqual([
      `${F}:3:20: Missing closing "quote: the string that starts here is never closed`,
    ]);
  });

  it("refuses several documents in one file", () => {
    expect(errorsOf(yaml("pipelines:", "  a: { steps: [{ run: x }] }", "---", "pipelines: {}"))).toEqual([
      `${F}:3:1: Source contains multiple documents; please use YAML.parseAllDocuments()`,
    ]);
  });

  it("points at aliases whose anchor does not exist or comes later", () => {
    expect(errorsOf(yaml("pipelines:", "  a:", "    steps: *missing", "  b:", "    env: *late", "    steps: &late [{ run: x }]"))).toEqual([
      `${F}:3:12: *missing refers to no anchor &missing defined before it`,
      `${F}:5:10: *late refers to no anchor &late defined before it`,
    ]);
  });

  it("points at the second of two equal keys", () => {
    expect(errorsOf(yaml("pipelines:", "  a:", "    steps: [{ run: x }]", "  a:", "    steps: [{ run: y }]"))).toEqual([
      `${F}:4:3: pipelines: "a" appears twice in this mapping`,
    ]);
  });

  it("treats keys that differ only in YAML type as equal, since they name the same pipeline", () => {
    expect(errorsOf(yaml("pipelines:", "  1: { steps: [{ run: x }] }", "  '1': { steps: [{ run: y }] }"))).toEqual([
      `${F}:3:3: pipelines: "1" appears twice in this mapping`,
    ]);
  });

  it("finds repeated keys inside steps", () => {
    expect(errorsOf(yaml("pipelines:", "  a:", "    steps:", "      - run: x", "        run: y"))).toEqual([
      `${F}:5:9: pipelines.a.steps[0]: "run" appears twice in this mapping`,
    ]);
  });

  it("rejects a pipeline named __proto__ instead of dropping it", () => {
    expect(errorsOf(yaml("pipelines:", "  a: { steps: [{ run: x }] }", "  __proto__: { steps: [{ run: y }] }"))).toEqual([
      `${F}:3:3: pipelines: "__proto__" cannot be used as a name`,
    ]);
  });

  it("reads YAML 1.2, where `on`, `yes` and `no` are plain strings", () => {
    const result = parseConfig(yaml("pipelines:", "  a:", "    on: { branches: [yes, no, on, off] }", "    env: { A: yes }", "    steps: [{ run: x }]"));
    expect(result.ok && result.config.pipelines[0]!.on.branches).toEqual(["yes", "no", "on", "off"]);
    expect(result.ok && result.config.pipelines[0]!.env).toEqual({ A: "yes" });
  });
});

describe("parseConfig: YAML mistakes reported where a person fixes them", () => {
  it("points at an over-indented key, not at the end of the line before", () => {
    const text = yaml(
      "pipelines:",
      "  build:",
      "    on:",
      "      branches: [main]",
      "    steps:",
      "      - name: Install",
      "         run: npm ci",
      "      - name: Test",
      "        run: npm test",
    );
    expect(errorsOf(text)).toEqual([
      `${F}:7:10: this line is indented more than the keys above it, so YAML reads it as part of the line before; line it up with them`,
    ]);
  });

  it("points at the opening of an unclosed quote, not past the end of the file", () => {
    const text = yaml(
      "pipelines:",
      "  build:",
      "    steps:",
      "      - name: Install",
      "        run: npm ci",
      "      - name: Test",
      '        run: "npm test',
      "  lint:",
      "    steps:",
      "      - run: npm run lint",
    );
    expect(errorsOf(text)).toEqual([`${F}:7:14: Missing closing "quote: the string that starts here is never closed`]);
  });

  it("reports a tab in the indentation first and alone, with a hint", () => {
    const text = yaml("pipelines:", "  build:", "    on:", "      branches: [main]", "    steps:", "\t- name: Install", "\t  run: npm ci");
    expect(errorsOf(text)).toEqual([
      `${F}:6:1: Tabs are not allowed as indentation; indent with spaces`,
      `${F}:7:1: Tabs are not allowed as indentation; indent with spaces`,
    ]);
  });

  it("keeps yaml's position for a key missing its colon", () => {
    expect(errorsOf(yaml("pipelines:", "  build", "    steps:", "      - run: x"))).toEqual([
      `${F}:2:3: Implicit keys need to be on a single line`,
    ]);
  });
});

describe("parseConfig: hostile input", () => {
  it("stops an alias bomb before it expands", () => {
    const bomb = yaml(
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]",
      "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]",
      "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]",
      "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]",
      "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]",
      "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]",
      "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]",
      "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]",
      "pipelines: { a: { steps: [{ run: x }] } }",
    );
    const started = Date.now();
    expect(errorsOf(bomb)).toEqual([`${F}:1:1: the file cannot be read: Excessive alias count indicates a resource exhaustion attack`]);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("still allows modest alias use", () => {
    const lines = ["pipelines:", "  p0: { env: &env { A: '1' }, steps: &steps [{ run: x }] }"];
    for (let i = 1; i <= 20; i++) lines.push(`  p${i}: { env: *env, steps: *steps }`);
    const result = parseConfig(yaml(...lines));
    expect(result.ok && result.config.pipelines.length).toBe(21);
  });

  it("refuses files over the size limit without parsing them", () => {
    const text = `pipelines: {}\n#${"x".repeat(MAX_CONFIG_BYTES)}\n`;
    expect(errorsOf(text)).toEqual([`${F}:1:1: the file is 257 KiB; the limit is 256 KiB`]);
  });

  it("measures the limit in bytes, not characters", () => {
    const comment = `#${"é".repeat(MAX_CONFIG_BYTES / 2)}\n`; // two bytes each in UTF-8
    expect(errorsOf(`${comment}pipelines: {}\n`)).toEqual([`${F}:1:1: the file is 257 KiB; the limit is 256 KiB`]);
  });

  it("accepts a file just under the limit", () => {
    const base = yaml("pipelines:", "  a: { steps: [{ run: x }] }");
    const padding = `#${"x".repeat(MAX_CONFIG_BYTES - base.length - 2)}\n`;
    expect(Buffer.byteLength(base + padding)).toBe(MAX_CONFIG_BYTES);
    expect(parseConfig(base + padding).ok).toBe(true);
  });

  it("survives deep nesting and caps the number of errors", () => {
    const result = parseConfig("[".repeat(100_000));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(MAX_REPORTED_ERRORS + 1);
    expect(result.errors.at(-1)?.message).toMatch(/^\d+ more errors not shown$/);
  });
});
