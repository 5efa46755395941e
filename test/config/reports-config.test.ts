import { describe, expect, it } from "vitest";
import { planPush } from "../../src/planning/plan-push.js";
import { configOf, errorsOf, yaml } from "./helpers.js";

const F = ".github/gantry.yml";
const withJunit = (junit: string) => yaml("pipelines:", "  a:", `    reports: { junit: ${junit} }`, "    steps: [{ run: make test }]");
const facts = { ref: "refs/heads/main", deleted: false, headCommitMessage: "x", changedFiles: null };

describe("reports.junit", () => {
  it("carries the globs as written from the file to the planned pipeline, and nothing when absent", () => {
    const config = configOf(withJunit('["reports/**/*.xml", "!reports/old/**", "./TEST-*.xml"]'));
    expect(config.pipelines[0]!.reports).toEqual({ junit: ["reports/**/*.xml", "!reports/old/**", "./TEST-*.xml"] });
    expect(planPush(facts, config).pipelines[0]!.reports).toEqual({ junit: ["reports/**/*.xml", "!reports/old/**", "./TEST-*.xml"] });
    const none = configOf(yaml("pipelines:", "  a:", "    steps: [{ run: make }]"));
    expect(none.pipelines[0]).not.toHaveProperty("reports");
    expect(planPush(facts, none).pipelines[0]).not.toHaveProperty("reports");
  });

  it("rejects globs that leave the checkout, broken globs, too many, none, and other keys", () => {
    const many = Array.from({ length: 21 }, (_, i) => `"r${i}/*.xml"`).join(", ");
    expect(errorsOf(withJunit('["/etc/*.xml", "a/../../x.xml", "[z-a]", 3]'))).toEqual([
      `${F}:3:24: pipelines.a.reports.junit[0]: "/etc/*.xml" is absolute; report paths are relative to the repository root`,
      `${F}:3:38: pipelines.a.reports.junit[1]: "a/../../x.xml" has a ".." segment; report files must be inside the checkout`,
      `${F}:3:55: pipelines.a.reports.junit[2]: "[z-a]" is not a valid pattern (Range out of order in character class)`,
      `${F}:3:64: pipelines.a.reports.junit[3]: 3 is not a pattern (quote it)`,
    ]);
    expect(errorsOf(withJunit(`[${many}]`))).toEqual([`${F}:3:23: pipelines.a.reports.junit: lists 21 globs; at most 20 are allowed`]);
    expect(errorsOf(withJunit("[]"))).toEqual([`${F}:3:23: pipelines.a.reports.junit: is empty; list report files such as "reports/**/*.xml" (or remove "junit")`]);
    expect(errorsOf(withJunit('["!a/*.xml"]'))).toEqual([
      `${F}:3:23: pipelines.a.reports.junit: has only negative patterns, so it matches nothing (put "**/*.xml" first to match everything else)`,
    ]);
    expect(errorsOf(withJunit('"x.xml"'))).toEqual([`${F}:3:23: pipelines.a.reports.junit: "x.xml" is not a list (write ["x.xml"])`]);
    expect(errorsOf(yaml("pipelines:", "  a:", "    reports: { junit: [a.xml], coverage: [c.xml] }", "    steps: [{ run: make }]"))[0]).toMatch(/pipelines\.a\.reports: .*coverage/);
  });
});
