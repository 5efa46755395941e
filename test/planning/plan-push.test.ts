import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseConfig, type GantryConfig } from "../../src/config/parse-config.js";
import { planPush } from "../../src/planning/plan-push.js";
import type { PushFacts } from "../../src/planning/plan-types.js";

function config(...lines: string[]): GantryConfig {
  const result = parseConfig(`${lines.join("\n")}\n`);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.config;
}

function push(overrides: Partial<PushFacts> = {}): PushFacts {
  return {
    ref: "refs/heads/main",
    deleted: false,
    headCommitMessage: "Change things",
    changedFiles: ["src/index.ts"],
    ...overrides,
  };
}

const summary = (facts: PushFacts, gantry: GantryConfig) =>
  planPush(facts, gantry).pipelines.map((p) => (p.action === "run" ? `${p.name}: run` : `${p.name}: ${p.reason}`));

/** The example of the issue and README, shared with the config tests. */
const EXAMPLE = config(readFileSync(new URL("../fixtures/example-gantry.yml", import.meta.url), "utf8"));

describe("planPush", () => {
  it("plans the documented example for a push to main", () => {
    expect(planPush(push(), EXAMPLE)).toStrictEqual({
      pipelines: [
        {
          name: "build",
          action: "run",
          needs: [],
          cancelSuperseded: true,
          environment: null,
          concurrency: null,
          network: "host",
          secrets: [],
          timeoutMs: 600_000,
          env: { NODE_ENV: "test" },
          steps: [
            { name: "Install", run: "npm ci", timeoutMs: 600_000 },
            { name: "Test", run: "npm test", timeoutMs: 300_000 },
          ],
        },
        {
          name: "deploy",
          action: "run",
          needs: ["build"],
          cancelSuperseded: true,
          environment: null,
          concurrency: null,
          network: "host",
          secrets: [],
          timeoutMs: 3_600_000,
          env: {},
          steps: [{ name: "./scripts/deploy.sh", run: "./scripts/deploy.sh", timeoutMs: 3_600_000 }],
        },
      ],
    });
  });

  it("plans nothing for a deleted ref", () => {
    expect(planPush(push({ deleted: true, changedFiles: null }), EXAMPLE)).toEqual({ pipelines: [] });
  });

  it("leaves out pipelines whose branch filters do not match, and skips what needs them", () => {
    expect(summary(push({ ref: "refs/heads/release/2" }), EXAMPLE)).toEqual(["build: run"]);
    expect(summary(push({ ref: "refs/heads/feature/x" }), EXAMPLE)).toEqual([]);
  });

  it("runs tag pipelines for tags only", () => {
    expect(summary(push({ ref: "refs/tags/v1.0.0", changedFiles: null }), EXAMPLE)).toEqual(["build: run"]);
    expect(summary(push({ ref: "refs/tags/nightly", changedFiles: null }), EXAMPLE)).toEqual([]);
  });

  it("caps step timeouts at the pipeline's", () => {
    const gantry = config(
      "pipelines:",
      "  a:",
      "    timeout: 10m",
      "    steps:",
      "      - run: short",
      "        timeout: 1m",
      "      - run: long",
      "        timeout: 2h",
      "      - run: default",
    );
    expect(planPush(push(), gantry).pipelines[0]!.steps.map((s) => s.timeoutMs)).toEqual([60_000, 600_000, 600_000]);
  });

  describe("skip directives", () => {
    it("skips every selected pipeline, naming the directive as written", () => {
      expect(summary(push({ headCommitMessage: "Docs only [CI Skip]\n\nbody" }), EXAMPLE)).toEqual([
        "build: the head commit message contains [CI Skip]",
        "deploy: the head commit message contains [CI Skip]",
      ]);
    });

    it("keeps steps and settings on skipped pipelines", () => {
      const [build] = planPush(push({ headCommitMessage: "[skip ci]" }), EXAMPLE).pipelines;
      expect(build).toStrictEqual({
        name: "build",
        action: "skip",
        reason: "the head commit message contains [skip ci]",
        needs: [],
        cancelSuperseded: true,
        environment: null,
        concurrency: null,
        network: "host",
        secrets: [],
        timeoutMs: 600_000,
        env: { NODE_ENV: "test" },
        steps: [
          { name: "Install", run: "npm ci", timeoutMs: 600_000 },
          { name: "Test", run: "npm test", timeoutMs: 300_000 },
        ],
      });
    });

    it("carries a checkout depth other than the commit alone into the plan", () => {
      const deep = config("pipelines:", "  a: { checkout: { depth: 20 }, steps: [{ run: x }] }", "  b: { checkout: { depth: 1 }, steps: [{ run: x }] }");
      const [a, b] = planPush(push(), deep).pipelines;
      expect(a?.checkout).toEqual({ depth: 20 });
      expect(b && "checkout" in b).toBe(false);
    });

    it("carries submodules into the plan only when the pipeline asks for them", () => {
      const deep = config("pipelines:", "  a: { checkout: { submodules: true }, steps: [{ run: x }] }", "  b: { checkout: { submodules: false }, steps: [{ run: x }] }");
      const [a, b] = planPush(push(), deep).pipelines;
      expect(a?.checkout).toEqual({ depth: 1, submodules: true });
      expect(b && "checkout" in b).toBe(false);
    });

    it("carries lfs into the plan only when the pipeline asks for it", () => {
      const lfs = config("pipelines:", "  a: { checkout: { lfs: true }, steps: [{ run: x }] }", "  b: { checkout: { lfs: false }, steps: [{ run: x }] }");
      const [a, b] = planPush(push(), lfs).pipelines;
      expect(a?.checkout).toEqual({ depth: 1, lfs: true });
      expect(b && "checkout" in b).toBe(false);
    });

    it("does not skip for a near miss", () => {
      expect(summary(push({ headCommitMessage: "Fix [skip  ci] parsing" }), EXAMPLE)).toEqual(["build: run", "deploy: run"]);
    });

    it("does not matter for pipelines the ref filters leave out", () => {
      expect(summary(push({ ref: "refs/heads/feature/x", headCommitMessage: "[skip ci]" }), EXAMPLE)).toEqual([]);
    });
  });

  describe("paths", () => {
    it("skips when no changed file matches, naming the patterns, and skips what needs it", () => {
      expect(summary(push({ changedFiles: ["README.md", "docs/x.md"] }), EXAMPLE)).toEqual([
        'build: no file changed by this push matches paths "src/**"',
        "deploy: needs `build`, which is skipped for this push",
      ]);
    });

    it("runs when the changed files are unknown", () => {
      expect(summary(push({ changedFiles: null }), EXAMPLE)).toEqual(["build: run", "deploy: run"]);
    });

    it("skips a push that changed no file", () => {
      expect(summary(push({ changedFiles: [] }), EXAMPLE)).toEqual([
        'build: no file changed by this push matches paths "src/**"',
        "deploy: needs `build`, which is skipped for this push",
      ]);
    });

    it("lists every pattern, exclusions included", () => {
      const gantry = config("pipelines:", "  a:", "    on: { paths: ['src/**', '!src/gen/**'] }", "    steps: [{ run: x }]");
      expect(summary(push({ changedFiles: ["src/gen/api.ts"] }), gantry)).toEqual([
        'a: no file changed by this push matches paths "src/**", "!src/gen/**"',
      ]);
    });
  });

  describe("needs", () => {
    const chain = config(
      "pipelines:",
      "  deploy: { needs: [test], on: { branches: [main] }, steps: [{ run: d }] }",
      "  test: { needs: [build], steps: [{ run: t }] }",
      "  build: { on: { paths: ['src/**'] }, steps: [{ run: b }] }",
      "  lint: { steps: [{ run: l }] }",
    );

    it("keeps config order even when a pipeline needs a later one", () => {
      expect(summary(push(), chain)).toEqual(["deploy: run", "test: run", "build: run", "lint: run"]);
    });

    it("propagates a skip down the chain, each naming its direct need", () => {
      expect(summary(push({ changedFiles: ["docs/a.md"] }), chain)).toEqual([
        "deploy: needs `test`, which is skipped for this push",
        "test: needs `build`, which is skipped for this push",
        'build: no file changed by this push matches paths "src/**"',
        "lint: run",
      ]);
    });

    it("skips a pipeline whose need does not run for this ref", () => {
      const gantry = config(
        "pipelines:",
        "  build: { on: { branches: [main] }, steps: [{ run: b }] }",
        "  package: { needs: [build], on: { branches: ['**'], tags: ['v*'] }, steps: [{ run: p }] }",
      );
      expect(summary(push({ ref: "refs/heads/dev" }), gantry)).toEqual(["package: needs `build`, which does not run for this push"]);
      expect(summary(push({ ref: "refs/tags/v2" }), gantry)).toEqual(["package: needs `build`, which does not run for this push"]);
      expect(summary(push({ ref: "refs/heads/main" }), gantry)).toEqual(["build: run", "package: run"]);
    });

    it("reports the first need that blocks, in needs order", () => {
      const gantry = config(
        "pipelines:",
        "  a: { on: { paths: ['a/**'] }, steps: [{ run: a }] }",
        "  b: { on: { branches: [other] }, steps: [{ run: b }] }",
        "  c: { needs: [a, b], steps: [{ run: c }] }",
        "  d: { needs: [b, a], steps: [{ run: d }] }",
      );
      expect(summary(push({ changedFiles: ["z"] }), gantry)).toEqual([
        'a: no file changed by this push matches paths "a/**"',
        "c: needs `a`, which is skipped for this push",
        "d: needs `b`, which does not run for this push",
      ]);
    });

    it("runs a pipeline after a diamond of needs", () => {
      const gantry = config(
        "pipelines:",
        "  build: { steps: [{ run: b }] }",
        "  unit: { needs: [build], steps: [{ run: u }] }",
        "  e2e: { needs: [build], steps: [{ run: e }] }",
        "  ship: { needs: [unit, e2e], steps: [{ run: s }] }",
      );
      expect(summary(push(), gantry)).toEqual(["build: run", "unit: run", "e2e: run", "ship: run"]);
    });

    it("terminates on a cyclic config built by hand", () => {
      const step = { name: "x", run: "x", timeoutMs: null };
      const on = { branches: null, tags: null, paths: null };
      const gantry: GantryConfig = {
        pipelines: [
          { name: "a", on, timeoutMs: 1_000, env: {}, needs: ["b"], cancelSuperseded: true, environment: null, concurrency: null, network: "host", secrets: [], steps: [step] },
          { name: "b", on, timeoutMs: 1_000, env: {}, needs: ["a"], cancelSuperseded: true, environment: null, concurrency: null, network: "host", secrets: [], steps: [step] },
        ],
      };
      expect(summary(push(), gantry)).toEqual([
        "a: needs `b`, which is skipped for this push",
        "b: needs `a`, which needs it back in a cycle",
      ]);
    });
  });

  it("tags-only configs run nothing for branch pushes", () => {
    const gantry = config("pipelines:", "  release:", "    on: { tags: ['v*', '!v*-rc*'] }", "    steps: [{ run: ./release.sh }]");
    expect(summary(push(), gantry)).toEqual([]);
    expect(summary(push({ ref: "refs/tags/v1.0.0" }), gantry)).toEqual(["release: run"]);
    expect(summary(push({ ref: "refs/tags/v1.0.0-rc1" }), gantry)).toEqual([]);
  });

  it("ignores refs that are neither branches nor tags", () => {
    expect(summary(push({ ref: "refs/pull/7/head" }), EXAMPLE)).toEqual([]);
  });

  it("returns copies, so changing the plan leaves the config alone", () => {
    const plan = planPush(push(), EXAMPLE);
    plan.pipelines[0]!.env["NODE_ENV"] = "changed";
    plan.pipelines[1]!.needs.push("x");
    expect(EXAMPLE.pipelines[0]!.env).toEqual({ NODE_ENV: "test" });
    expect(EXAMPLE.pipelines[1]!.needs).toEqual(["build"]);
  });
});
