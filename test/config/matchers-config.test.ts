import { describe, expect, it } from "vitest";
import { BUILTIN_MATCHERS } from "../../src/config/builtin-matchers.js";
import { compileLinearRegExp } from "../../src/config/compile-linear-regexp.js";
import { planPush } from "../../src/planning/plan-push.js";
import { configOf, errorsOf, yaml } from "./helpers.js";

const F = ".github/gantry.yml";
const pipeline = (...matcherLines: string[]) => yaml("pipelines:", "  build:", "    steps: [{ run: make }]", "    matchers:", ...matcherLines.map((line) => `      ${line}`));

describe("matchers in the config", () => {
  it("leaves matchers out when the file does not name them (built-ins on, nothing recorded)", () => {
    const config = configOf(yaml("pipelines:", "  build: { steps: [{ run: make }] }"));
    expect(config.pipelines[0]!.matchers).toBeUndefined();
    const plan = planPush({ ref: "refs/heads/main", deleted: false, headCommitMessage: "", changedFiles: null }, config);
    expect(plan.pipelines[0]).not.toHaveProperty("matchers");
  });

  it("reads custom matchers with GitHub's field names and copies them into the plan", () => {
    const config = configOf(
      pipeline(
        "builtin: [tsc, gcc]",
        "custom:",
        "  - owner: lint",
        "    severity: warning",
        "    pattern:",
        '      - regexp: "^(.+):(\\\\d+): (.*)$"',
        "        file: 1",
        "        line: 2",
        "        message: 3",
      ),
    );
    const matchers = { builtin: ["tsc", "gcc"], custom: [{ owner: "lint", severity: "warning", pattern: [{ regexp: "^(.+):(\\d+): (.*)$", file: 1, line: 2, message: 3 }] }] };
    expect(config.pipelines[0]!.matchers).toEqual(matchers);
    const plan = planPush({ ref: "refs/heads/main", deleted: false, headCommitMessage: "", changedFiles: null }, config);
    expect(plan.pipelines[0]!.matchers).toEqual(matchers);
    // a copy: the plan (stored in run records) shares nothing with the config
    expect(plan.pipelines[0]!.matchers!.custom[0]).not.toBe(config.pipelines[0]!.matchers!.custom[0]);
  });

  it("defaults builtin to true and custom to []", () => {
    expect(configOf(pipeline("builtin: false")).pipelines[0]!.matchers).toEqual({ builtin: false, custom: [] });
    expect(configOf(pipeline("custom: []")).pipelines[0]!.matchers).toEqual({ builtin: true, custom: [] });
  });

  it("rejects an unknown built-in, quoting it", () => {
    expect(errorsOf(pipeline("builtin: [tsc, javac]"))).toEqual([
      `${F}:5:16: pipelines.build.matchers.builtin: "javac" is not a built-in matcher (use tsc, eslint-stylish, eslint-compact, gcc, go, python, rust)`,
    ]);
    expect(errorsOf(pipeline("builtin: all"))).toEqual([`${F}:5:16: pipelines.build.matchers.builtin: "all" is not true, false or a list of built-in matchers`]);
  });

  it("rejects a regexp that does not compile, saying why", () => {
    expect(errorsOf(pipeline("custom:", "  - owner: x", '    pattern: [{ regexp: "^(a", message: 1 }]'))).toEqual([
      `${F}:7:31: pipelines.build.matchers.custom[0].pattern[0].regexp: "^(a" is not a valid regular expression (Unterminated group)`,
    ]);
  });

  it.each([
    ["a backreference", "^(a)\\\\1$"],
    ["a lookahead", "^(?=a)(a)$"],
    ["a lookbehind", "^(?<=a)(b)$"],
  ])("rejects %s: the linear-time engine cannot run it", (_, regexp) => {
    const [error] = errorsOf(pipeline("custom:", "  - owner: x", `    pattern: [{ regexp: "${regexp}", message: 1 }]`));
    expect(error).toMatch(/pattern\[0\]\.regexp: ".*" cannot run in linear time: backreferences/);
  });

  it("accepts a catastrophic-backtracking regexp and runs it in linear time", () => {
    const compiled = compileLinearRegExp("^(a+)+$");
    if (!compiled.ok) throw new Error(compiled.reason);
    const started = performance.now();
    expect(compiled.regexp.test(`${"a".repeat(50_000)}b`)).toBe(false);
    // with backtracking this is 2^50000 steps; linear it is milliseconds (generous bound against a busy machine)
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(compiled.groups).toBe(1);
  });

  it("rejects a group number the regexp does not have", () => {
    expect(errorsOf(pipeline("custom:", "  - owner: x", '    pattern: [{ regexp: "^(.+): (.*)$", file: 1, message: 3 }]'))).toEqual([
      `${F}:7:65: pipelines.build.matchers.custom[0].pattern[0].message: 3 is not a group of the regexp, which has 2 groups`,
    ]);
    expect(errorsOf(pipeline("custom:", "  - owner: x", '    pattern: [{ regexp: "^(.+)$", message: 0 }]'))[0]).toContain("message: 0 is not a capture group number (groups count from 1)");
  });

  it("rejects loop anywhere but on the last of two or more patterns", () => {
    expect(errorsOf(pipeline("custom:", "  - owner: x", '    pattern: [{ regexp: "(.*)", message: 1, loop: true }]'))).toEqual([
      `${F}:7:57: pipelines.build.matchers.custom[0].pattern[0].loop: true is not allowed here: a matcher of one pattern cannot loop`,
    ]);
    expect(errorsOf(pipeline("custom:", "  - owner: x", '    pattern: [{ regexp: "(.*)", file: 1, loop: true }, { regexp: "(.*)", message: 1 }]'))).toEqual([
      `${F}:7:54: pipelines.build.matchers.custom[0].pattern[0].loop: true is not allowed here: only the last pattern may loop`,
    ]);
  });

  it("requires a message group in some pattern", () => {
    expect(errorsOf(pipeline("custom:", "  - owner: x", '    pattern: [{ regexp: "(.*)", file: 1 }]'))).toEqual([
      `${F}:7:20: pipelines.build.matchers.custom[0].pattern: has no "message" group; one pattern must capture the message`,
    ]);
  });

  it("bounds matchers, patterns and regexps", () => {
    const many = Array.from({ length: 21 }, (_, i) => `  - { owner: m${i}, pattern: [{ regexp: "(.*)", message: 1 }] }`);
    expect(errorsOf(pipeline("custom:", ...many))).toEqual([`${F}:6:9: pipelines.build.matchers.custom: has more than 20 matchers`]);
    const patterns = Array.from({ length: 11 }, () => '{ regexp: "(.*)", message: 1 }').join(", ");
    expect(errorsOf(pipeline("custom:", "  - owner: x", `    pattern: [${patterns}]`))).toEqual([`${F}:7:20: pipelines.build.matchers.custom[0].pattern: has more than 10 patterns`]);
    expect(errorsOf(pipeline("custom:", "  - owner: x", `    pattern: [{ regexp: "(${"a".repeat(1000)})", message: 1 }]`))).toEqual([
      `${F}:7:31: pipelines.build.matchers.custom[0].pattern[0].regexp: is longer than 1000 characters`,
    ]);
  });

  it("rejects owners that are invalid, built-in names or used twice", () => {
    const errors = errorsOf(
      pipeline("custom:", '  - { owner: "has space", pattern: [{ regexp: "(.*)", message: 1 }] }', '  - { owner: tsc, pattern: [{ regexp: "(.*)", message: 1 }] }', '  - { owner: a, pattern: [{ regexp: "(.*)", message: 1 }] }', '  - { owner: a, pattern: [{ regexp: "(.*)", message: 1 }] }'),
    );
    expect(errors).toEqual([
      `${F}:6:20: pipelines.build.matchers.custom[0].owner: "has space" is not a valid matcher name (up to 64 letters, digits, "_", "." or "-")`,
      `${F}:7:20: pipelines.build.matchers.custom[1].owner: "tsc" is the name of a built-in matcher; choose another`,
      `${F}:9:20: pipelines.build.matchers.custom[3].owner: "a" names two matchers`,
    ]);
  });

  it("rejects unknown fields and a wrong severity", () => {
    const errors = errorsOf(pipeline("custom:", '  - { owner: a, severity: fatal, pattern: [{ regexp: "(.*)", message: 1, fromPath: 1 }] }'));
    expect(errors).toHaveLength(2);
    expect(errors[0]).toContain(`severity: "fatal" is not a severity (use "error", "warning" or "notice")`);
    expect(errors[1]).toContain(`unknown option "fromPath"`);
  });
});

describe("BUILTIN_MATCHERS", () => {
  it("compile on the linear-time engine, name only their groups, and have triggers long enough for the prefilter", () => {
    for (const builtin of BUILTIN_MATCHERS) {
      expect(builtin.triggers.every((trigger) => Buffer.byteLength(trigger) >= 5), builtin.name).toBe(true);
      for (const matcher of builtin.matchers) {
        expect(matcher.owner).toBe(builtin.name);
        for (const pattern of matcher.pattern) {
          const compiled = compileLinearRegExp(pattern.regexp);
          if (!compiled.ok) throw new Error(`${builtin.name}: ${pattern.regexp}: ${compiled.reason}`);
          for (const group of [pattern.file, pattern.line, pattern.column, pattern.message, pattern.code, pattern.severity]) {
            if (group !== undefined) expect(group).toBeLessThanOrEqual(compiled.groups);
          }
        }
        expect(matcher.pattern.some((pattern) => pattern.message !== undefined)).toBe(true);
      }
    }
  });
});
