import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/parse-config.js";
import { configOf, yaml } from "./helpers.js";

/** The example of the issue and README, shared with the planning tests. */
const EXAMPLE = readFileSync(new URL("../fixtures/example-gantry.yml", import.meta.url), "utf8");

describe("parseConfig on valid files", () => {
  it("reads the documented example with every default applied", () => {
    expect(parseConfig(EXAMPLE)).toEqual({
      ok: true,
      config: {
        pipelines: [
          {
            name: "build",
            on: { branches: ["main", "release/*"], tags: ["v*"], paths: ["src/**"] },
            timeoutMs: 600_000,
            env: { NODE_ENV: "test" },
            needs: [],
            cancelSuperseded: true,
            environment: null,
            concurrency: null,
            network: "host",
            secrets: [],
            steps: [
              { name: "Install", run: "npm ci", timeoutMs: null },
              { name: "Test", run: "npm test", timeoutMs: 300_000 },
            ],
          },
          {
            name: "deploy",
            on: { branches: ["main"], tags: null, paths: null },
            timeoutMs: 3_600_000,
            env: {},
            needs: ["build"],
            cancelSuperseded: true,
            environment: null,
            concurrency: null,
            network: "host",
            secrets: [],
            steps: [{ name: "./scripts/deploy.sh", run: "./scripts/deploy.sh", timeoutMs: null }],
          },
        ],
      },
    });
  });

  it("accepts version: 1", () => {
    expect(configOf(yaml("version: 1", "pipelines:", "  a:", "    steps: [{ run: make }]")).pipelines.map((p) => p.name)).toEqual(["a"]);
  });

  it("keeps pipelines in file order, including names that look like numbers", () => {
    const config = configOf(
      yaml(
        "pipelines:",
        "  zeta: { steps: [{ run: a }] }",
        "  10: { steps: [{ run: b }] }",
        "  alpha: { steps: [{ run: c }] }",
        "  2: { steps: [{ run: d }] }",
      ),
    );
    expect(config.pipelines.map((p) => p.name)).toEqual(["zeta", "10", "alpha", "2"]);
    expect(config.pipelines.map((p) => p.steps[0]!.run)).toEqual(["a", "b", "c", "d"]);
  });

  it("accepts the full range of pipeline names", () => {
    const longest = `a${"b".repeat(63)}`;
    const config = configOf(
      yaml("pipelines:", "  A.b_c-9: { steps: [{ run: x }] }", "  0: { steps: [{ run: x }] }", `  ${longest}: { steps: [{ run: x }] }`),
    );
    expect(config.pipelines.map((p) => p.name)).toEqual(["A.b_c-9", "0", longest]);
  });

  it("keeps env values that YAML reads as numbers or booleans exactly as written", () => {
    const config = configOf(
      yaml(
        "pipelines:",
        "  a:",
        "    env:",
        "      PLAIN: text",
        "      VERSION: 1.10",
        "      COUNT: 42",
        "      FLAG: true",
        "      TITLE: True",
        "      OCTAL: 0o17",
        "      HEX: 0x1F",
        "      EXP: 1e3",
        '      QUOTED: "007"',
        "      EMPTY: ''",
        "      NEG: -5",
        "      SHARED: &n 3.0",
        "      ALIASED: *n",
        "      _under: x",
        "    steps: [{ run: env }]",
      ),
    );
    expect(config.pipelines[0]!.env).toEqual({
      PLAIN: "text",
      VERSION: "1.10",
      COUNT: "42",
      FLAG: "true",
      TITLE: "True",
      OCTAL: "0o17",
      HEX: "0x1F",
      EXP: "1e3",
      QUOTED: "007",
      EMPTY: "",
      NEG: "-5",
      SHARED: "3.0",
      ALIASED: "3.0",
      _under: "x",
    });
  });

  it("names unnamed steps after the first non-blank line of the command, cut to 60 characters", () => {
    const long = "x".repeat(70);
    const config = configOf(
      yaml(
        "pipelines:",
        "  a:",
        "    steps:",
        "      - run: |",
        "",
        "          npm ci",
        "          npm test",
        `      - run: ${long}`,
        "      - name: Custom",
        "        run: make",
      ),
    );
    expect(config.pipelines[0]!.steps.map((s) => s.name)).toEqual(["npm ci", `${"x".repeat(59)}…`, "Custom"]);
    expect(config.pipelines[0]!.steps[0]!.run).toBe("\nnpm ci\nnpm test\n");
  });

  it("keeps step timeouts as written and leaves the cap to planning", () => {
    const config = configOf(yaml("pipelines:", "  a:", "    timeout: 1m", "    steps:", "      - run: x", "        timeout: 2h"));
    expect(config.pipelines[0]!.timeoutMs).toBe(60_000);
    expect(config.pipelines[0]!.steps[0]!.timeoutMs).toBe(7_200_000);
  });

  it("accepts the largest timeout", () => {
    expect(configOf(yaml("pipelines:", "  a:", "    timeout: 24h", "    steps: [{ run: x }]")).pipelines[0]!.timeoutMs).toBe(86_400_000);
    expect(configOf(yaml("pipelines:", "  a:", "    timeout: 23h60m", "    steps: [{ run: x }]")).pipelines[0]!.timeoutMs).toBe(86_400_000);
  });

  it("keeps empty branch lists, which mean no branch", () => {
    const config = configOf(yaml("pipelines:", "  release:", "    on: { branches: [], tags: ['v*'] }", "    steps: [{ run: x }]"));
    expect(config.pipelines[0]!.on).toEqual({ branches: [], tags: ["v*"], paths: null });
  });

  it("accepts an empty `on`", () => {
    expect(configOf(yaml("pipelines:", "  a:", "    on: {}", "    steps: [{ run: x }]")).pipelines[0]!.on).toEqual({
      branches: null,
      tags: null,
      paths: null,
    });
  });

  it("accepts needs that point forward and chains", () => {
    const config = configOf(
      yaml(
        "pipelines:",
        "  deploy: { needs: [test, lint], steps: [{ run: d }] }",
        "  test: { needs: [build], steps: [{ run: t }] }",
        "  lint: { needs: [build], steps: [{ run: l }] }",
        "  build: { steps: [{ run: b }] }",
      ),
    );
    expect(config.pipelines.map((p) => [p.name, p.needs])).toEqual([
      ["deploy", ["test", "lint"]],
      ["test", ["build"]],
      ["lint", ["build"]],
      ["build", []],
    ]);
  });

  it("uses anchors and aliases to share blocks", () => {
    const config = configOf(
      yaml(
        "pipelines:",
        "  a:",
        "    env: &env { CI: 'yes' }",
        "    steps: &steps [{ run: make }]",
        "  b:",
        "    env: *env",
        "    steps: *steps",
      ),
    );
    expect(config.pipelines[1]).toEqual({ ...config.pipelines[0], name: "b" });
  });

  it("accepts CRLF line endings, a byte-order mark, comments and a document marker", () => {
    const text = "\uFEFF# gantry\r\n---\r\npipelines:\r\n  a:\r\n    steps:\r\n      - run: make # build\r\n";
    expect(configOf(text).pipelines[0]!.steps[0]!.run).toBe("make");
  });

  it("accepts unicode in commands, names and globs", () => {
    const config = configOf(yaml("pipelines:", "  a:", "    on: { branches: ['fix/ünï-名前'] }", "    steps:", "      - name: Grüße 🚀", "        run: echo 名前"));
    expect(config.pipelines[0]!.on.branches).toEqual(["fix/ünï-名前"]);
    expect(config.pipelines[0]!.steps[0]).toEqual({ name: "Grüße 🚀", run: "echo 名前", timeoutMs: null });
  });
});
