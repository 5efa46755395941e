import type { MatchersConfig } from "../config/config-types.js";
import type { GantryConfig, PipelineConfig } from "../config/parse-config.js";
import { matchPaths } from "./match-paths.js";
import { matchRef } from "./match-ref.js";
import type { Plan, PlannedPipeline, PushFacts } from "./plan-types.js";
import { findSkipDirective } from "./skip-directives.js";

/**
 * Which pipelines a push gets, in config order. Pipelines whose branch/tag filters miss are left out entirely;
 * the rest either run or are skipped with a reason, so the commit still shows why nothing ran.
 */
export function planPush(facts: PushFacts, config: GantryConfig): Plan {
  if (facts.deleted) return { pipelines: [] };

  const selected = config.pipelines.filter((pipeline) => matchRef(pipeline.on, facts.ref));
  const byName = new Map(selected.map((pipeline) => [pipeline.name, pipeline]));
  const directive = findSkipDirective(facts.headCommitMessage);

  // Skip reasons by pipeline name; `null` means it runs. Filled on demand because a pipeline may need one listed after it.
  const reasons = new Map<string, string | null>();
  const pending = new Set<string>();
  const skipReason = (pipeline: PipelineConfig): string | null => {
    const known = reasons.get(pipeline.name);
    if (known !== undefined) return known;
    pending.add(pipeline.name);
    const reason = decide(pipeline);
    pending.delete(pipeline.name);
    reasons.set(pipeline.name, reason);
    return reason;
  };
  const decide = (pipeline: PipelineConfig): string | null => {
    if (directive !== null) return `the head commit message contains ${directive}`;
    if (!matchPaths(pipeline.on.paths, facts.changedFiles)) {
      return `no file changed by this push matches paths ${(pipeline.on.paths ?? []).map((p) => JSON.stringify(p)).join(", ")}`;
    }
    for (const need of pipeline.needs) {
      const needed = byName.get(need);
      if (needed === undefined) return `needs \`${need}\`, which does not run for this push`;
      // parseConfig rejects cycles; this only keeps a hand-built config from recursing forever.
      if (pending.has(need)) return `needs \`${need}\`, which needs it back in a cycle`;
      if (skipReason(needed) !== null) return `needs \`${need}\`, which is skipped for this push`;
    }
    return null;
  };

  return { pipelines: selected.map((pipeline) => planPipeline(pipeline, skipReason(pipeline))) };
}

function planPipeline(pipeline: PipelineConfig, skipReason: string | null): PlannedPipeline {
  const planned: PlannedPipeline = {
    name: pipeline.name,
    action: skipReason === null ? "run" : "skip",
    needs: [...pipeline.needs],
    cancelSuperseded: pipeline.cancelSuperseded,
    environment: pipeline.environment,
    concurrency: pipeline.concurrency,
    timeoutMs: pipeline.timeoutMs,
    env: { ...pipeline.env },
    network: pipeline.network,
    ...(pipeline.checkout && (pipeline.checkout.depth !== 1 || pipeline.checkout.submodules || pipeline.checkout.lfs)
      ? {
          checkout: {
            depth: pipeline.checkout.depth,
            ...(pipeline.checkout.submodules ? { submodules: true as const } : {}),
            ...(pipeline.checkout.lfs ? { lfs: true as const } : {}),
          },
        }
      : {}),
    secrets: [...pipeline.secrets],
    ...(pipeline.reports ? { reports: { junit: [...pipeline.reports.junit] } } : {}),
    ...(pipeline.cache ? { cache: pipeline.cache.map((cache) => ({ key: cache.key, restoreKeys: [...cache.restoreKeys], paths: [...cache.paths] })) } : {}),
    steps: pipeline.steps.map((step) => ({
      name: step.name,
      run: step.run,
      timeoutMs: Math.min(step.timeoutMs ?? pipeline.timeoutMs, pipeline.timeoutMs),
    })),
    ...(pipeline.matchers === undefined ? {} : { matchers: copyMatchers(pipeline.matchers) }),
  };
  return skipReason === null ? planned : { ...planned, reason: skipReason };
}

function copyMatchers(matchers: MatchersConfig): MatchersConfig {
  return {
    builtin: Array.isArray(matchers.builtin) ? [...matchers.builtin] : matchers.builtin,
    custom: matchers.custom.map((matcher) => ({ ...matcher, pattern: matcher.pattern.map((pattern) => ({ ...pattern })) })),
  };
}
