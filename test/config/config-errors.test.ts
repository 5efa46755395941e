import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/parse-config.js";
import { errorsOf, yaml } from "./helpers.js";

const F = ".github/gantry.yml";

describe("parseConfig errors: file shape", () => {
  it.each([
    ["an empty file", ""],
    ["only comments", "# nothing yet\n"],
    ["only a document marker", "---\n"],
  ])("rejects %s at 1:1", (_, text) => {
    expect(errorsOf(text)).toEqual([`${F}:1:1: the file is empty; it needs a "pipelines" mapping`]);
  });

  it("rejects a file that is a list, pointing at the list", () => {
    expect(errorsOf(yaml("# config", "- build"))).toEqual([`${F}:2:1: the file must be a mapping with a "pipelines" key, not a list`]);
  });

  it("rejects a file that is a scalar", () => {
    expect(errorsOf("pipelines\n")).toEqual([`${F}:1:1: the file must be a mapping with a "pipelines" key, not "pipelines"`]);
  });

  it("reports missing pipelines at the top mapping and unknown top-level keys at the key", () => {
    expect(errorsOf(yaml("version: 1", "pipeline:", "  a: { steps: [{ run: x }] }"))).toEqual([
      `${F}:1:1: missing required option "pipelines"`,
      `${F}:2:1: unknown option "pipeline" (did you mean "pipelines"?)`,
    ]);
  });

  it("lists the known options when an unknown one resembles none", () => {
    expect(errorsOf(yaml("pipelines:", "  a: { steps: [{ run: x }] }", "jobs: {}"))).toEqual([
      `${F}:3:1: unknown option "jobs" (expected one of: version, pipelines)`,
    ]);
  });

  it("rejects pipelines that is missing a value, or empty", () => {
    expect(errorsOf(yaml("pipelines:"))).toEqual([`${F}:1:1: pipelines: null is not a mapping of pipeline names to pipelines`]);
    expect(errorsOf(yaml("pipelines: {}"))).toEqual([`${F}:1:12: pipelines: is empty; define at least one pipeline`]);
    expect(errorsOf(yaml("pipelines: [build]"))).toEqual([`${F}:1:12: pipelines: a list is not a mapping of pipeline names to pipelines`]);
  });

  it("rejects other versions", () => {
    expect(errorsOf(yaml("version: 2", "pipelines:", "  a: { steps: [{ run: x }] }"))).toEqual([
      `${F}:1:10: version: 2 is not a supported version (use 1)`,
    ]);
    expect(errorsOf(yaml('version: "1"', "pipelines:", "  a: { steps: [{ run: x }] }"))).toEqual([
      `${F}:1:10: version: "1" is not a supported version (use 1)`,
    ]);
  });

  it("uses the file name it is given", () => {
    const result = parseConfig("", "repo/.github/gantry.yml");
    expect(result).toEqual({
      ok: false,
      errors: [{ file: "repo/.github/gantry.yml", line: 1, column: 1, path: "", message: 'the file is empty; it needs a "pipelines" mapping' }],
    });
  });
});

describe("parseConfig errors: pipelines", () => {
  it("points at invalid pipeline names", () => {
    expect(
      errorsOf(
        yaml(
          "pipelines:",
          "  my build:",
          "    steps: [{ run: x }]",
          "  -lead:",
          "    steps: [{ run: x }]",
          `  ${"a".repeat(65)}:`,
          "    steps: [{ run: x }]",
          "  a/b:",
          "    steps: [{ run: x }]",
        ),
      ),
    ).toEqual([
      `${F}:2:3: pipelines: "my build" is not a valid pipeline name (use up to 64 letters, digits, "_", "." or "-", starting with a letter or digit)`,
      `${F}:4:3: pipelines: "-lead" is not a valid pipeline name (use up to 64 letters, digits, "_", "." or "-", starting with a letter or digit)`,
      `${F}:6:3: pipelines: "${"a".repeat(39)}…" is not a valid pipeline name (use up to 64 letters, digits, "_", "." or "-", starting with a letter or digit)`,
      `${F}:8:3: pipelines: "a/b" is not a valid pipeline name (use up to 64 letters, digits, "_", "." or "-", starting with a letter or digit)`,
    ]);
  });

  it("reports a typo like `step:` as unknown, suggesting the right key, plus the missing steps", () => {
    expect(errorsOf(yaml("pipelines:", "  build:", "    timeout: 10m", "    step:", "      - run: npm test"))).toEqual([
      `${F}:3:5: pipelines.build: missing required option "steps"`,
      `${F}:4:5: pipelines.build: unknown option "step" (did you mean "steps"?)`,
    ]);
  });

  it("rejects a pipeline without a body", () => {
    expect(errorsOf(yaml("pipelines:", "  build:"))).toEqual([`${F}:2:3: pipelines.build: null is not a mapping`]);
  });

  it("rejects empty and malformed step lists", () => {
    expect(errorsOf(yaml("pipelines:", "  a:", "    steps: []", "  b:", "    steps: npm test", "  c:", "    steps:", "      - npm test"))).toEqual([
      `${F}:3:12: pipelines.a.steps: is empty; a pipeline needs at least one step`,
      `${F}:5:12: pipelines.b.steps: "npm test" is not a list of steps`,
      `${F}:8:9: pipelines.c.steps[0]: "npm test" is not a mapping`,
    ]);
  });

  it("points at the step mapping for a missing run and at values for bad ones", () => {
    expect(
      errorsOf(
        yaml(
          "pipelines:",
          "  a:",
          "    steps:",
          "      - name: Only a name",
          "      - run: '   '",
          "      - run: [npm, test]",
          "      - name: ''",
          "        run: x",
          "      - run: x",
          "        with: y",
        ),
      ),
    ).toEqual([
      `${F}:4:9: pipelines.a.steps[0]: missing required option "run"`,
      `${F}:5:14: pipelines.a.steps[1].run: is empty; give the command to run`,
      `${F}:6:14: pipelines.a.steps[2].run: a list is not a string`,
      `${F}:7:15: pipelines.a.steps[3].name: is empty (remove "name" to use the command as the name)`,
      `${F}:10:9: pipelines.a.steps[4]: unknown option "with" (expected one of: name, run, timeout)`,
    ]);
  });

  it("reports every unknown key at its own position", () => {
    expect(errorsOf(yaml("pipelines:", "  a:", "    on:", "      branch: [main]", "      tag: [v1]", "    steps: [{ run: x, nmae: y }]"))).toEqual([
      `${F}:4:7: pipelines.a.on: unknown option "branch" (did you mean "branches"?)`,
      `${F}:5:7: pipelines.a.on: unknown option "tag" (did you mean "tags"?)`,
      `${F}:6:23: pipelines.a.steps[0]: unknown option "nmae" (did you mean "name"?)`,
    ]);
  });

  it("explains that merge keys are not supported", () => {
    expect(errorsOf(yaml("base: &base { timeout: 1m }", "pipelines:", "  a:", "    <<: *base", "    steps: [{ run: x }]"))).toEqual([
      `${F}:1:1: unknown option "base" (expected one of: version, pipelines)`,
      `${F}:4:5: pipelines.a: unknown option "<<" (YAML merge keys are not supported)`,
    ]);
  });
});

describe("parseConfig errors: durations", () => {
  const withTimeout = (value: string) => yaml("pipelines:", "  build:", `    timeout: ${value}`, "    steps: [{ run: x }]");

  it.each([
    ["10x", `"10x" is not a duration (use "90s", "10m" or "1h")`],
    ["'1h 30m'", `"1h 30m" is not a duration (use "90s", "10m" or "1h")`],
    ["90", `90 is not a duration (use "90s", "10m" or "1h"; a bare number has no unit)`],
    ["1.5", `1.5 is not a duration (use "90s", "10m" or "1h"; a bare number has no unit)`],
    ["true", `true is not a duration (use "90s", "10m" or "1h")`],
    ["[10m]", `a list is not a duration (use "90s", "10m" or "1h")`],
    ["25h", `"25h" is longer than the maximum of 24h`],
    ["24h1s", `"24h1s" is longer than the maximum of 24h`],
    ["0s", `"0s" is zero; a timeout must be longer than that`],
    ["0h0m", `"0h0m" is zero; a timeout must be longer than that`],
  ])("timeout: %s", (value, message) => {
    expect(errorsOf(withTimeout(value))).toEqual([`${F}:3:14: pipelines.build.timeout: ${message}`]);
  });

  it("points at the key when the value is missing", () => {
    expect(errorsOf(withTimeout(""))).toEqual([`${F}:3:5: pipelines.build.timeout: null is not a duration (use "90s", "10m" or "1h")`]);
  });

  it("checks step timeouts too", () => {
    expect(errorsOf(yaml("pipelines:", "  a:", "    steps:", "      - run: x", "        timeout: 5 m"))).toEqual([
      `${F}:5:18: pipelines.a.steps[0].timeout: "5 m" is not a duration (use "90s", "10m" or "1h")`,
    ]);
  });
});

describe("parseConfig errors: env", () => {
  it("rejects bad and reserved names at the key and non-scalar values at the value", () => {
    expect(
      errorsOf(
        yaml(
          "pipelines:",
          "  a:",
          "    env:",
          "      GANTRY_TOKEN: x",
          "      1ST: x",
          "      WITH-DASH: x",
          "      EMPTY:",
          "      LIST: [a]",
          "      gantry_lower: fine",
          "    steps: [{ run: x }]",
        ),
      ),
    ).toEqual([
      `${F}:4:7: pipelines.a.env: "GANTRY_TOKEN" is reserved: names starting with GANTRY_ are set by gantry`,
      `${F}:5:7: pipelines.a.env: "1ST" is not a valid variable name (use letters, digits and "_", not starting with a digit)`,
      `${F}:6:7: pipelines.a.env: "WITH-DASH" is not a valid variable name (use letters, digits and "_", not starting with a digit)`,
      `${F}:7:7: pipelines.a.env.EMPTY: null is not a string, number or boolean (write "" for an empty value)`,
      `${F}:8:13: pipelines.a.env.LIST: a list is not a string, number or boolean (write "" for an empty value)`,
    ]);
  });

  it("rejects env that is not a mapping", () => {
    expect(errorsOf(yaml("pipelines:", "  a:", "    env: [A=1]", "    steps: [{ run: x }]"))).toEqual([
      `${F}:3:10: pipelines.a.env: a list is not a mapping of names to values`,
    ]);
  });

  it("rejects __proto__, which would otherwise vanish silently", () => {
    expect(errorsOf(yaml("pipelines:", "  a:", "    env:", "      __proto__: x", "    steps: [{ run: x }]"))).toEqual([
      `${F}:4:7: pipelines.a.env: "__proto__" cannot be used as a name`,
    ]);
  });
});

describe("parseConfig errors: on", () => {
  it("wants lists of non-empty patterns", () => {
    expect(
      errorsOf(
        yaml(
          "pipelines:",
          "  a:",
          "    on:",
          "      branches: main",
          "      tags: ['', '!']",
          "      paths: [1]",
          "    steps: [{ run: x }]",
        ),
      ),
    ).toEqual([
      `${F}:4:17: pipelines.a.on.branches: "main" is not a list (write ["main"])`,
      `${F}:5:14: pipelines.a.on.tags[0]: "" is an empty pattern`,
      `${F}:5:18: pipelines.a.on.tags[1]: "!" is an empty pattern`,
      `${F}:6:15: pipelines.a.on.paths[0]: 1 is not a pattern (quote it)`,
    ]);
  });

  it("rejects patterns that cannot compile instead of letting them match nothing", () => {
    expect(errorsOf(yaml("pipelines:", "  a:", "    on:", "      branches: ['[z-a]', '!{a,', ok]", "      paths: ['dir\\']", "    steps: [{ run: x }]"))).toEqual([
      `${F}:4:18: pipelines.a.on.branches[0]: "[z-a]" is not a valid pattern (Range out of order in character class)`,
      `${F}:4:27: pipelines.a.on.branches[1]: "!{a," is not a valid pattern (Unterminated group)`,
      `${F}:5:15: pipelines.a.on.paths[0]: "dir\\\\" is not a valid pattern (Unterminated group)`,
    ]);
  });

  it("rejects lists of exclusions only, and empty paths", () => {
    expect(errorsOf(yaml("pipelines:", "  a:", "    on:", "      branches: ['!main']", "      paths: []", "    steps: [{ run: x }]"))).toEqual([
      `${F}:4:17: pipelines.a.on.branches: has only negative patterns, so it matches nothing (put "**" first to match everything else)`,
      `${F}:5:14: pipelines.a.on.paths: is empty, so the pipeline would never run (remove "paths" to run on every change)`,
    ]);
  });

  it("rejects an `on` that is not a mapping", () => {
    expect(errorsOf(yaml("pipelines:", "  a:", "    on: push", "    steps: [{ run: x }]"))).toEqual([
      `${F}:3:9: pipelines.a.on: "push" is not a mapping`,
    ]);
  });
});

describe("parseConfig errors: needs", () => {
  it("rejects unknown, self and repeated entries at the entry", () => {
    expect(
      errorsOf(
        yaml(
          "pipelines:",
          "  build: { steps: [{ run: b }] }",
          "  deploy:",
          "    needs: [biuld, deploy, build, build, nothing]",
          "    steps: [{ run: d }]",
        ),
      ),
    ).toEqual([
      `${F}:4:13: pipelines.deploy.needs[0]: "biuld" is not a pipeline in this file (did you mean "build"?)`,
      `${F}:4:20: pipelines.deploy.needs[1]: "deploy" is this pipeline; a pipeline cannot need itself`,
      `${F}:4:35: pipelines.deploy.needs[3]: "build" is listed twice`,
      `${F}:4:42: pipelines.deploy.needs[4]: "nothing" is not a pipeline in this file`,
    ]);
  });

  it("reports a two-pipeline cycle once, at the entry that closes it", () => {
    expect(errorsOf(yaml("pipelines:", "  a:", "    needs: [b]", "    steps: [{ run: x }]", "  b:", "    needs: [a]", "    steps: [{ run: x }]"))).toEqual([
      `${F}:6:13: pipelines.b.needs[0]: needs form a cycle: b → a → b`,
    ]);
  });

  it("reports a longer cycle with every member, ignoring pipelines that merely lead into it", () => {
    expect(
      errorsOf(
        yaml(
          "pipelines:",
          "  entry: { needs: [a], steps: [{ run: x }] }",
          "  a: { needs: [b], steps: [{ run: x }] }",
          "  b: { needs: [c], steps: [{ run: x }] }",
          "  c: { needs: [ok, a], steps: [{ run: x }] }",
          "  ok: { steps: [{ run: x }] }",
        ),
      ),
    ).toEqual([`${F}:5:20: pipelines.c.needs[1]: needs form a cycle: c → a → b → c`]);
  });

  it("reports separate cycles separately", () => {
    expect(
      errorsOf(
        yaml(
          "pipelines:",
          "  a: { needs: [b], steps: [{ run: x }] }",
          "  b: { needs: [a], steps: [{ run: x }] }",
          "  c: { needs: [d], steps: [{ run: x }] }",
          "  d: { needs: [c], steps: [{ run: x }] }",
        ),
      ),
    ).toEqual([`${F}:3:16: pipelines.b.needs[0]: needs form a cycle: b → a → b`, `${F}:5:16: pipelines.d.needs[0]: needs form a cycle: d → c → d`]);
  });

  it("wants a list", () => {
    expect(errorsOf(yaml("pipelines:", "  a: { steps: [{ run: x }] }", "  b:", "    needs: a", "    steps: [{ run: x }]"))).toEqual([
      `${F}:4:12: pipelines.b.needs: "a" is not a list (write ["a"])`,
    ]);
  });

  it("waits for other errors to be fixed before checking needs", () => {
    expect(errorsOf(yaml("pipelines:", "  a:", "    needs: [nope]", "    timeout: 1x", "    steps: [{ run: x }]"))).toEqual([
      `${F}:4:14: pipelines.a.timeout: "1x" is not a duration (use "90s", "10m" or "1h")`,
    ]);
  });
});

describe("parseConfig errors: paths with odd keys", () => {
  it("quotes keys that would make the path ambiguous", () => {
    expect(errorsOf(yaml("pipelines:", "  v1.2:", "    timeout: x", "    steps: [{ run: x }]"))).toEqual([
      `${F}:3:14: pipelines["v1.2"].timeout: "x" is not a duration (use "90s", "10m" or "1h")`,
    ]);
  });

  it("points through aliases at the anchored node", () => {
    expect(
      errorsOf(yaml("pipelines:", "  a:", "    steps: &s", "      - run: x", "        timeout: nope", "  b:", "    steps: *s")),
    ).toEqual([
      `${F}:5:18: pipelines.a.steps[0].timeout: "nope" is not a duration (use "90s", "10m" or "1h")`,
      `${F}:5:18: pipelines.b.steps[0].timeout: "nope" is not a duration (use "90s", "10m" or "1h")`,
    ]);
  });

  it("points at an alias used directly as a bad value", () => {
    expect(errorsOf(yaml("pipelines:", "  a:", "    env: &e { A: x }", "    timeout: *e", "    steps: [{ run: x }]"))).toEqual([
      `${F}:4:14: pipelines.a.timeout: a mapping is not a duration (use "90s", "10m" or "1h")`,
    ]);
  });
});

describe("parseConfig errors: network and secrets", () => {
  it("takes network none or host and refuses anything else at the value", () => {
    expect(parseConfig(yaml("pipelines:", "  a: { network: none, steps: [{ run: x }] }")).ok).toBe(true);
    expect(errorsOf(yaml("pipelines:", "  a: { network: off, steps: [{ run: x }] }"))).toEqual([
      `${F}:2:17: pipelines.a.network: "off" is not a network mode (use "host" or "none")`,
    ]);
  });

  it("takes a checkout depth of whole commits from 1 and refuses anything else at the value", () => {
    const parsed = parseConfig(yaml("pipelines:", "  a: { checkout: { depth: 50 }, steps: [{ run: x }] }"));
    expect(parsed.ok && parsed.config.pipelines[0]?.checkout).toEqual({ depth: 50, submodules: false, lfs: false });
    expect(errorsOf(yaml("pipelines:", "  a: { checkout: { depth: 0 }, steps: [{ run: x }] }"))).toEqual([`${F}:2:27: pipelines.a.checkout.depth: 0 is less than 1 commit`]);
    expect(errorsOf(yaml("pipelines:", "  a: { checkout: { depth: 1.5 }, steps: [{ run: x }] }"))).toEqual([`${F}:2:27: pipelines.a.checkout.depth: 1.5 is not a whole number of commits`]);
    expect(errorsOf(yaml("pipelines:", "  a: { checkout: { depth: all }, steps: [{ run: x }] }"))).toEqual([`${F}:2:27: pipelines.a.checkout.depth: "all" is not a number of commits`]);
  });

  it("takes checkout submodules and lfs as true or false, false when not given", () => {
    const parsed = (text: string) => {
      const result = parseConfig(yaml("pipelines:", `  a: { checkout: ${text}, steps: [{ run: x }] }`));
      return result.ok ? result.config.pipelines[0]?.checkout : result.errors;
    };
    expect(parsed("{ submodules: true }")).toEqual({ depth: 1, submodules: true, lfs: false });
    expect(parsed("{ depth: 3 }")).toEqual({ depth: 3, submodules: false, lfs: false });
    expect(parsed("{ lfs: false }")).toEqual({ depth: 1, submodules: false, lfs: false });
    expect(parsed("{ lfs: true, submodules: true }")).toEqual({ depth: 1, submodules: true, lfs: true });
    expect(errorsOf(yaml("pipelines:", "  a: { checkout: { submodules: yes }, steps: [{ run: x }] }"))).toEqual([`${F}:2:32: pipelines.a.checkout.submodules: "yes" is not true or false`]);
    expect(errorsOf(yaml("pipelines:", "  a: { checkout: { lfs: 1 }, steps: [{ run: x }] }"))).toEqual([`${F}:2:25: pipelines.a.checkout.lfs: 1 is not true or false`]);
    expect(errorsOf(yaml("pipelines:", "  a: { checkout: { recursive: true }, steps: [{ run: x }] }"))).toHaveLength(1);
  });

  it("points at a secret name that is not a variable name, is reserved, is listed twice or is also in env", () => {
    expect(errorsOf(yaml("pipelines:", "  a: { secrets: [GANTRY_X], steps: [{ run: x }] }"))).toEqual([
      `${F}:2:18: pipelines.a.secrets[0]: "GANTRY_X" is reserved: names starting with GANTRY_ are set by gantry`,
    ]);
    expect(errorsOf(yaml("pipelines:", "  a: { secrets: [A, A], steps: [{ run: x }] }"))).toEqual([
      `${F}:2:17: pipelines.a.secrets: names a secret twice`,
    ]);
    expect(errorsOf(yaml("pipelines:", "  a: { secrets: TOKEN, steps: [{ run: x }] }"))).toEqual([
      `${F}:2:17: pipelines.a.secrets: "TOKEN" is not a list (write ["TOKEN"])`,
    ]);
    expect(errorsOf(yaml("pipelines:", "  a: { env: { T: v }, secrets: [T], steps: [{ run: x }] }"))).toEqual([
      `${F}:2:33: pipelines.a.secrets[0]: "T" is also set in "env"; a variable comes from one place`,
    ]);
  });
});
