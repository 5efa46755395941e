import { describe, expect, it } from "vitest";
import { parseCacheKey } from "../../src/config/parse-cache-key.js";
import { planPush } from "../../src/planning/plan-push.js";
import { configOf, errorsOf, yaml } from "./helpers.js";

const F = ".github/gantry.yml";
const facts = { ref: "refs/heads/main", deleted: false, headCommitMessage: "x", changedFiles: null };
const withCache = (...lines: string[]) => yaml("pipelines:", "  a:", "    cache:", ...lines, "    steps: [{ run: make test }]");

describe("cache", () => {
  it("is copied with its templates as written into the config and the plan; absent, neither has one", () => {
    const config = configOf(
      withCache(
        "      - key: npm-{{ hashFiles \"package-lock.json\" }}",
        "        restore-keys: [npm-]",
        "        paths: [~/.npm, node_modules]",
        "      - key: 'tools-{{ os }}-{{arch}}-{{ hashFiles \"a/*.lock\" \"!a/old.lock\" }}'",
        "        paths: [\"~\", .venv]",
      ),
    );
    const expected = [
      { key: 'npm-{{ hashFiles "package-lock.json" }}', restoreKeys: ["npm-"], paths: ["~/.npm", "node_modules"] },
      { key: 'tools-{{ os }}-{{arch}}-{{ hashFiles "a/*.lock" "!a/old.lock" }}', restoreKeys: [], paths: ["~", ".venv"] },
    ];
    expect(config.pipelines[0]!.cache).toEqual(expected);
    expect(planPush(facts, config).pipelines[0]!.cache).toEqual(expected);
    const none = configOf(yaml("pipelines:", "  a:", "    steps: [{ run: make }]"));
    expect(none.pipelines[0]).not.toHaveProperty("cache");
    expect(planPush(facts, none).pipelines[0]).not.toHaveProperty("cache");
  });

  it("refuses paths that leave the home or the checkout, quoting them", () => {
    expect(errorsOf(withCache("      - key: k", '        paths: ["/etc", "a/../../x", "", "~root/.ssh", 3]'))).toEqual([
      `${F}:5:17: pipelines.a.cache[0].paths[0]: "/etc" is absolute; cache paths are "~/…" (the step's home) or relative to the repository root`,
      `${F}:5:25: pipelines.a.cache[0].paths[1]: "a/../../x" has a ".." segment; cache paths must stay inside the home or the checkout`,
      `${F}:5:38: pipelines.a.cache[0].paths[2]: "" is empty`,
      `${F}:5:42: pipelines.a.cache[0].paths[3]: "~root/.ssh" names another user's home; only "~/…" (the step's own) is allowed`,
      `${F}:5:56: pipelines.a.cache[0].paths[4]: 3 is not a path (quote it)`,
    ]);
    expect(errorsOf(withCache("      - key: k", '        paths: ["~/../x"]'))).toEqual([
      `${F}:5:17: pipelines.a.cache[0].paths[0]: "~/../x" has a ".." segment; cache paths must stay inside the home or the checkout`,
    ]);
  });

  it("counts caches, paths and restore keys", () => {
    expect(errorsOf(withCache("      - key: k", "        paths: []"))).toEqual([
      `${F}:5:16: pipelines.a.cache[0].paths: is empty; list what to cache, such as "~/.npm" or "node_modules"`,
    ]);
    const paths = Array.from({ length: 21 }, (_, i) => `p${i}`).join(", ");
    expect(errorsOf(withCache("      - key: k", `        paths: [${paths}]`))).toEqual([`${F}:5:16: pipelines.a.cache[0].paths: has more than 20 paths`]);
    const keys = Array.from({ length: 11 }, (_, i) => `k${i}`).join(", ");
    expect(errorsOf(withCache("      - key: k", `        restore-keys: [${keys}]`, "        paths: [x]"))).toEqual([
      `${F}:5:23: pipelines.a.cache[0].restore-keys: has more than 10 keys`,
    ]);
    const caches = Array.from({ length: 11 }, (_, i) => `{ key: k${i}, paths: [x] }`).join(", ");
    expect(errorsOf(yaml("pipelines:", "  a:", `    cache: [${caches}]`, "    steps: [{ run: make }]"))).toEqual([`${F}:3:12: pipelines.a.cache: has more than 10 caches`]);
  });

  it("is strict about its keys: a typo is named, a missing key or paths too", () => {
    expect(errorsOf(withCache("      - key: k", "        path: [x]"))).toEqual([
      `${F}:4:9: pipelines.a.cache[0]: missing required option "paths"`,
      `${F}:5:9: pipelines.a.cache[0]: unknown option "path"`,
    ]);
  });

  it("refuses unknown functions, unclosed braces and commas, naming the key and the position", () => {
    expect(errorsOf(withCache("      - key: 'npm-{{ hashfiles \"x\" }}'", "        restore-keys: ['npm-{{ os', 'a,b']", "        paths: [x]"))).toEqual([
      `${F}:4:14: pipelines.a.cache[0].key: "npm-{{ hashfiles \\"x\\" }}" calls "hashfiles", which is not a function (use hashFiles, os or arch) at position 8`,
      `${F}:5:24: pipelines.a.cache[0].restore-keys[0]: "npm-{{ os" has a "{{" not closed by "}}" at position 5`,
      `${F}:5:37: pipelines.a.cache[0].restore-keys[1]: "a,b" has a comma at position 2`,
    ]);
  });
});

describe("parseCacheKey", () => {
  it("splits text and expressions", () => {
    expect(parseCacheKey('npm-{{ os }}-{{arch}}-{{ hashFiles "a" "b/**" }}-end')).toEqual({
      ok: true,
      parts: [
        { kind: "text", text: "npm-" },
        { kind: "os" },
        { kind: "text", text: "-" },
        { kind: "arch" },
        { kind: "text", text: "-" },
        { kind: "hashFiles", globs: ["a", "b/**"] },
        { kind: "text", text: "-end" },
      ],
    });
    expect(parseCacheKey("plain}}text")).toEqual({ ok: true, parts: [{ kind: "text", text: "plain}}text" }] });
  });

  it("says what is wrong and where", () => {
    expect(parseCacheKey("{{ }}")).toEqual({ ok: false, problem: 'has an empty "{{ }}" at position 1' });
    expect(parseCacheKey("x{{ hashFiles }}")).toEqual({ ok: false, problem: "calls hashFiles with 0 arguments; it takes 1 to 20 quoted globs at position 5" });
    expect(parseCacheKey('{{ os "x" }}')).toEqual({ ok: false, problem: "calls os with 1 argument; it takes no arguments at position 4" });
    expect(parseCacheKey('{{ hashFiles "a" b }}')).toEqual({ ok: false, problem: 'has "b" where a quoted argument belongs at position 18' });
    expect(parseCacheKey('{{ hashFiles "a }}')).toEqual({ ok: false, problem: "has a quote that is not closed at position 14" });
    // the first "}}" ends the expression, even one inside quotes: a glob cannot hold "}}"
    expect(parseCacheKey('{{ hashFiles "a }}"')).toEqual({ ok: false, problem: "has a quote that is not closed at position 14" });
    expect(parseCacheKey('{{ hashFiles "/etc/passwd" }}')).toEqual({
      ok: false,
      problem: 'has hashFiles glob "/etc/passwd", which is absolute (globs are relative to the repository root) at position 14',
    });
    expect(parseCacheKey('{{ hashFiles "../x" }}')).toEqual({ ok: false, problem: 'has hashFiles glob "../x", which has a ".." segment (files must be inside the checkout) at position 14' });
    expect(parseCacheKey("{{ 'x' }}")).toEqual({ ok: false, problem: `has "'" where a function name or a quoted argument belongs at position 4` });
  });
});
