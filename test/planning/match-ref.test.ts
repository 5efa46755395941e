import { describe, expect, it } from "vitest";
import { matchRef, parseRef } from "../../src/planning/match-ref.js";

describe("parseRef", () => {
  it.each([
    ["refs/heads/main", { kind: "branch", name: "main" }],
    ["refs/heads/release/1.x", { kind: "branch", name: "release/1.x" }],
    ["refs/tags/v1.0.0", { kind: "tag", name: "v1.0.0" }],
    ["refs/tags/refs/heads/x", { kind: "tag", name: "refs/heads/x" }],
    ["refs/pull/1/head", { kind: "other", name: "refs/pull/1/head" }],
    ["refs/notes/commits", { kind: "other", name: "refs/notes/commits" }],
    ["main", { kind: "other", name: "main" }],
    ["refs/heads/", { kind: "other", name: "refs/heads/" }],
    ["refs/tags/", { kind: "other", name: "refs/tags/" }],
    ["REFS/HEADS/main", { kind: "other", name: "REFS/HEADS/main" }],
  ])("%s", (ref, parsed) => {
    expect(parseRef(ref)).toEqual(parsed);
  });
});

const branch = (name: string) => `refs/heads/${name}`;
const tag = (name: string) => `refs/tags/${name}`;

describe("matchRef without filters", () => {
  const on = { branches: null, tags: null };
  it("runs for every branch", () => {
    expect(matchRef(on, branch("main"))).toBe(true);
    expect(matchRef(on, branch("feature/deep/name"))).toBe(true);
  });
  it("runs for no tag and no other ref", () => {
    expect(matchRef(on, tag("v1"))).toBe(false);
    expect(matchRef(on, "refs/pull/1/merge")).toBe(false);
  });
});

describe("matchRef with tags only", () => {
  const on = { branches: null, tags: ["v*"] };
  it("runs for matching tags", () => {
    expect(matchRef(on, tag("v1.2.3"))).toBe(true);
    expect(matchRef(on, tag("release-1"))).toBe(false);
  });
  it("does not run for branches, like GitHub Actions", () => {
    expect(matchRef(on, branch("main"))).toBe(false);
    expect(matchRef(on, branch("v1"))).toBe(false);
  });
});

describe("matchRef with branches only", () => {
  const on = { branches: ["main", "release/*"], tags: null };
  it.each([
    ["main", true],
    ["release/1", true],
    ["release/1.x", true],
    ["release/1/2", false],
    ["release/", false],
    ["release", false],
    ["Main", false],
    ["main2", false],
    ["feature/main", false],
  ])("%s → %s", (name, expected) => {
    expect(matchRef(on, branch(name))).toBe(expected);
  });
  it("does not run for a tag of the same name", () => {
    expect(matchRef(on, tag("main"))).toBe(false);
  });
});

describe("matchRef with explicit empty lists", () => {
  it("branches: [] runs for no branch", () => {
    expect(matchRef({ branches: [], tags: null }, branch("main"))).toBe(false);
  });
  it("tags: [] runs for no tag but leaves branches alone", () => {
    expect(matchRef({ branches: null, tags: [] }, tag("v1"))).toBe(false);
    expect(matchRef({ branches: null, tags: [] }, branch("main"))).toBe(false);
  });
});

describe("matchRef glob syntax", () => {
  const matches = (pattern: string, name: string) => matchRef({ branches: [pattern], tags: null }, branch(name));

  it.each([
    ["**", "a/b/c", true],
    ["release/**", "release/1/2", true],
    ["release/**", "release/1", true],
    ["*", "main", true],
    ["*", "feature/x", false],
    ["*/*", "feature/x", true],
    ["feature/*/done", "feature/x/done", true],
    ["feature/*/done", "feature/x/y/done", false],
    ["feature/**/done", "feature/x/y/done", true],
    ["v?", "v1", true],
    ["v?", "v10", false],
    ["v[0-9]*", "v2.0", true],
    ["v[0-9]*", "vnext", false],
    ["release/{1,2}.x", "release/2.x", true],
    ["release/{1,2}.x", "release/3.x", false],
    ["a\\*b", "a*b", true],
    ["a\\*b", "axb", false],
    ["1.0", "1x0", false],
    ["**", "a/.hidden", true],
    ["*", ".dotted", true],
  ])("%s vs %s → %s", (pattern, name, expected) => {
    expect(matches(pattern, name)).toBe(expected);
  });

  it.each([
    'feat/$(rm -rf ~);"x"|&y',
    "fix/a(b)",
    "fix/(a|b)",
    "x$y^z+w@v",
    "semi;colon&amp",
    'quote"d',
    "@(ext)",
    "+(plus)",
  ])("matches %s literally and by wildcard", (name) => {
    expect(matches(name, name)).toBe(true);
    expect(matches("**", name)).toBe(true);
    const [first] = name.split("/");
    if (name.includes("/")) expect(matches(`${first}/*`, name)).toBe(true);
  });

  it("treats parentheses and | as characters, not regex groups", () => {
    expect(matches("fix/(a|b)", "fix/a")).toBe(false);
    expect(matches("fix/(a|b)", "fix/(a|b)")).toBe(true);
    expect(matches("*(x)", "(x)")).toBe(true);
    expect(matches("*(x)", "x")).toBe(false);
    expect(matches("a\\(b\\)", "a(b)")).toBe(true);
  });

  it("needs an escape for a name that starts with !", () => {
    expect(matches("\\!(neg)", "!(neg)")).toBe(true);
    expect(matches("!(neg)", "!(neg)")).toBe(false);
  });

  it("matches unicode names", () => {
    expect(matches("fix/*", "fix/ünïcödé-名前")).toBe(true);
    expect(matches("fix/*-名前", "fix/ünïcödé-名前")).toBe(true);
    expect(matches("fix/ünïcödé-*", "fix/ünïcödé-名前")).toBe(true);
    expect(matches("fix/unicode-*", "fix/ünïcödé-名前")).toBe(false);
    expect(matches("emoji/*", "emoji/🚀")).toBe(true);
  });
});

describe("matchRef negation", () => {
  const on = (branches: string[]) => ({ branches, tags: null });

  it("excludes what a later ! entry matches", () => {
    expect(matchRef(on(["**", "!main"]), branch("main"))).toBe(false);
    expect(matchRef(on(["**", "!main"]), branch("dev"))).toBe(true);
  });

  it("lets a later positive entry re-include", () => {
    const branches = ["release/**", "!release/old/**", "release/old/keep"];
    expect(matchRef(on(branches), branch("release/new"))).toBe(true);
    expect(matchRef(on(branches), branch("release/old/drop"))).toBe(false);
    expect(matchRef(on(branches), branch("release/old/keep"))).toBe(true);
  });

  it("does not let a negative entry before any positive one include anything", () => {
    expect(matchRef(on(["!main", "feature/*"]), branch("dev"))).toBe(false);
    expect(matchRef(on(["!feature/x", "feature/*"]), branch("feature/x"))).toBe(true);
  });

  it("applies to tags too", () => {
    const tags = { branches: null, tags: ["v*", "!v*-rc*"] };
    expect(matchRef(tags, tag("v1.0.0"))).toBe(true);
    expect(matchRef(tags, tag("v1.0.0-rc1"))).toBe(false);
  });
});
