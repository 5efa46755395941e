import { describe, expect, it } from "vitest";
import { defaultStepName } from "../../src/config/default-step-name.js";
import { describeValue } from "../../src/config/describe-value.js";
import { formatPath } from "../../src/config/format-path.js";
import { suggestName } from "../../src/config/suggest-name.js";

describe("defaultStepName", () => {
  it.each([
    ["npm test", "npm test"],
    ["  npm ci  ", "npm ci"],
    ["\n\n  make build\nmake test", "make build"],
    ["echo a\r\necho b", "echo a"],
    ["x".repeat(60), "x".repeat(60)],
    ["x".repeat(61), `${"x".repeat(59)}…`],
    [`${"🚀".repeat(61)}`, `${"🚀".repeat(59)}…`],
  ])("%j → %j", (run, name) => {
    expect(defaultStepName(run)).toBe(name);
  });
});

describe("suggestName", () => {
  const keys = ["on", "needs", "timeout", "env", "steps"];
  it.each([
    ["step", "steps"],
    ["need", "needs"],
    ["timout", "timeout"],
    ["Steps", "steps"],
    ["enc", "env"],
  ])("suggests %j for %j", (typo, expected) => {
    expect(suggestName(typo, keys)).toBe(expected);
  });

  it("counts a swap of neighbours as one edit", () => {
    expect(suggestName("biuld", ["build", "deploy"])).toBe("build");
  });

  it("suggests nothing when nothing is close", () => {
    expect(suggestName("jobs", keys)).toBeNull();
    expect(suggestName("x", keys)).toBeNull();
  });
});

describe("formatPath", () => {
  it.each([
    [[], ""],
    [["pipelines"], "pipelines"],
    [["pipelines", "build", "steps", 0, "run"], "pipelines.build.steps[0].run"],
    [["pipelines", "v1.2", "env", "A"], 'pipelines["v1.2"].env.A'],
    [["pipelines", "1st", "needs", 2], "pipelines.1st.needs[2]"],
  ] as const)("%j → %j", (path, text) => {
    expect(formatPath(path)).toBe(text);
  });
});

describe("describeValue", () => {
  it.each([
    ["text", '"text"'],
    ['say "hi"', '"say \\"hi\\""'],
    [42, "42"],
    [false, "false"],
    [null, "null"],
    [undefined, "nothing"],
    [[1], "a list"],
    [{ a: 1 }, "a mapping"],
    ["y".repeat(41), `"${"y".repeat(39)}…"`],
  ])("%j → %s", (value, text) => {
    expect(describeValue(value)).toBe(text);
  });
});
