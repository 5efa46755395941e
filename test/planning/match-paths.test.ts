import { describe, expect, it } from "vitest";
import { matchPaths } from "../../src/planning/match-paths.js";

describe("matchPaths", () => {
  it("matches anything without a filter", () => {
    expect(matchPaths(null, ["a"])).toBe(true);
    expect(matchPaths(null, [])).toBe(true);
    expect(matchPaths(null, null)).toBe(true);
  });

  it("matches when the push does not say which files changed", () => {
    expect(matchPaths(["docs/**"], null)).toBe(true);
  });

  it("does not match a push that changed no file", () => {
    expect(matchPaths(["**"], [])).toBe(false);
  });

  it.each([
    [["src/**"], ["src/index.ts"], true],
    [["src/**"], ["src/a/b/c.ts"], true],
    [["src/**"], ["srcx/a.ts", "test/src/a.ts"], false],
    [["src/*"], ["src/a/b.ts"], false],
    [["*.md"], ["README.md"], true],
    [["*.md"], ["docs/guide.md"], false],
    [["**/*.md"], ["README.md"], true],
    [["**/*.md"], ["docs/deep/guide.md"], true],
    [["**/*.{ts,tsx}"], ["web/App.tsx"], true],
    [[".github/**"], [".github/workflows/ci.yml"], true],
    [["**"], [".env"], true],
    [["src/**"], ["src/.eslintrc.json"], true],
    [["**/*.json"], ["config/.prettierrc.json"], true],
    [["docs/*.md"], ["docs/a (1).md"], true],
    [["docs/a (1).md"], ["docs/a (1).md"], true],
    [["docs/(draft)/*"], ["docs/(draft)/x.md"], true],
    [["文档/**"], ["文档/指南.md"], true],
    [["Src/**"], ["src/a.ts"], false],
  ])("%j vs %j → %s", (patterns, files, expected) => {
    expect(matchPaths(patterns, files)).toBe(expected);
  });

  it("matches when any one file matches", () => {
    expect(matchPaths(["src/**"], ["README.md", "docs/x.md", "src/a.ts"])).toBe(true);
  });

  it("honours exclusions per file", () => {
    const patterns = ["src/**", "!src/generated/**"];
    expect(matchPaths(patterns, ["src/generated/api.ts"])).toBe(false);
    expect(matchPaths(patterns, ["src/generated/api.ts", "src/main.ts"])).toBe(true);
    expect(matchPaths(patterns, ["README.md"])).toBe(false);
  });

  it("lets a later entry re-include", () => {
    const patterns = ["**", "!**/*.md", "CHANGELOG.md"];
    expect(matchPaths(patterns, ["docs/a.md", "README.md"])).toBe(false);
    expect(matchPaths(patterns, ["docs/a.md", "CHANGELOG.md"])).toBe(true);
  });
});
