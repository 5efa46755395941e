import { describe, expect, it } from "vitest";
import { findSkipDirective } from "../../src/planning/skip-directives.js";

describe("findSkipDirective", () => {
  it.each(["[skip ci]", "[ci skip]", "[no ci]", "[skip actions]", "[actions skip]", "[skip gantry]", "[gantry skip]"])("finds %s", (directive) => {
    expect(findSkipDirective(`Update docs ${directive}`)).toBe(directive);
  });

  it("ignores case and returns the directive as written", () => {
    expect(findSkipDirective("[SKIP CI] release notes")).toBe("[SKIP CI]");
    expect(findSkipDirective("typo fix [Ci Skip]")).toBe("[Ci Skip]");
    expect(findSkipDirective("[No CI]")).toBe("[No CI]");
  });

  it("finds it anywhere: start, end, body, glued to other text", () => {
    expect(findSkipDirective("[skip ci]")).toBe("[skip ci]");
    expect(findSkipDirective("Fix typo\n\nLonger body.\n[skip ci]\n")).toBe("[skip ci]");
    expect(findSkipDirective("docs:[skip ci]tweak")).toBe("[skip ci]");
    expect(findSkipDirective("Merge branch 'x'\n\n* [no ci] bump")).toBe("[no ci]");
  });

  it("returns the first of several", () => {
    expect(findSkipDirective("a [ci skip] b [skip ci]")).toBe("[ci skip]");
  });

  it.each([
    "",
    "Fix CI",
    "skip ci",
    "[skip  ci]",
    "[skip\tci]",
    "[skip\nci]",
    "[skip-ci]",
    "[skip_ci]",
    "[skipci]",
    "[ skip ci]",
    "[skip ci ]",
    "[skip ci",
    "skip ci]",
    "(skip ci)",
    "{skip ci}",
    "[ci-skip]",
    "[noci]",
    "[no-ci]",
    "[skip ci please]",
    "[skip cis]",
    "[please skip ci]",
    "[skip github]",
    "[skip\u00a0ci]",
  ])("does not take %j for a directive", (message) => {
    expect(findSkipDirective(message)).toBeNull();
  });
});
