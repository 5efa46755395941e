import { isAlias, isMap, isScalar, type Document } from "yaml";
import type { GantryConfig, MatcherPatternConfig, MatchersConfig, PipelineConfig } from "./config-types.js";
import { defaultStepName } from "./default-step-name.js";
import { findNode } from "./find-node.js";
import { parseDuration } from "./parse-duration.js";
import type { RawConfig, RawPipeline } from "./schema.js";

/** Applies defaults to a validated file. `order` is the pipelines' file order; `doc` supplies env values as written. */
export function buildConfig(raw: RawConfig, order: readonly string[], doc: Document): GantryConfig {
  const nodes = pipelineNodes(doc);
  const pipelines: PipelineConfig[] = [];
  for (const name of order) {
    if (!Object.hasOwn(raw.pipelines, name)) continue;
    pipelines.push(buildPipeline(name, raw.pipelines[name]!, (key) => findNode(doc, ["env", key], nodes.get(name) ?? null)));
  }
  return { pipelines };
}

/** Pipeline nodes by name, looked up once: searching from the root for every env value is quadratic in big files. */
function pipelineNodes(doc: Document): Map<string, unknown> {
  const nodes = new Map<string, unknown>();
  const pipelines = findNode(doc, ["pipelines"]);
  if (!isMap(pipelines)) return nodes;
  for (const pair of pipelines.items) {
    if (isScalar(pair.key)) nodes.set(String(pair.key.value), isAlias(pair.value) ? pair.value.resolve(doc) : pair.value);
  }
  return nodes;
}

function buildPipeline(name: string, raw: RawPipeline, envNode: (key: string) => unknown): PipelineConfig {
  return {
    name,
    on: {
      branches: raw.on?.branches ?? null,
      tags: raw.on?.tags ?? null,
      paths: raw.on?.paths ?? null,
    },
    timeoutMs: durationMs(raw.timeout),
    env: buildEnv(raw.env ?? {}, envNode),
    needs: raw.needs ?? [],
    cancelSuperseded: raw.cancel_superseded,
    environment: raw.environment ?? null,
    concurrency: raw.concurrency ?? null,
    network: raw.network,
    ...(raw.checkout ? { checkout: { depth: raw.checkout.depth, submodules: raw.checkout.submodules, lfs: raw.checkout.lfs } } : {}),
    secrets: raw.secrets ?? [],
    ...(raw.reports ? { reports: { junit: [...raw.reports.junit] } } : {}),
    ...(raw.cache ? { cache: raw.cache.map((cache) => ({ key: cache.key, restoreKeys: [...(cache["restore-keys"] ?? [])], paths: [...cache.paths] })) } : {}),
    steps: raw.steps.map((step) => ({
      name: step.name ?? defaultStepName(step.run),
      run: step.run,
      timeoutMs: step.timeout === undefined ? null : durationMs(step.timeout),
    })),
    ...(raw.matchers === undefined ? {} : { matchers: buildMatchers(raw.matchers) }),
  };
}

// Plain data without `undefined` values: it travels in run records as JSON.
function buildMatchers(raw: NonNullable<RawPipeline["matchers"]>): MatchersConfig {
  return {
    builtin: raw.builtin,
    custom: raw.custom.map((matcher) => ({
      owner: matcher.owner,
      ...(matcher.severity === undefined ? {} : { severity: matcher.severity }),
      pattern: matcher.pattern.map((pattern) => Object.fromEntries(Object.entries(pattern).filter(([, value]) => value !== undefined)) as unknown as MatcherPatternConfig),
    })),
  };
}

function buildEnv(raw: Record<string, string | number | boolean>, envNode: (key: string) => unknown): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value === "string") {
      env[key] = value;
      continue;
    }
    // `VERSION: 1.10` must stay "1.10", not become "1.1": take what the author typed, not the number YAML made of it.
    const node = envNode(key);
    env[key] = isScalar(node) && typeof node.source === "string" ? node.source : String(value);
  }
  return env;
}

function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === null) throw new Error(`unvalidated duration ${JSON.stringify(text)}`);
  return ms;
}
