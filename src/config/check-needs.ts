import type { ConfigProblem } from "./config-problem.js";
import { suggestName } from "./suggest-name.js";

interface NeedsEntry {
  name: string;
  needs: readonly string[];
}

/** Finds `needs` entries that name no pipeline, the pipeline itself, a repeat, or close a cycle. Pipelines are in file order so reports are stable. */
export function checkNeeds(pipelines: readonly NeedsEntry[]): ConfigProblem[] {
  const names = pipelines.map((pipeline) => pipeline.name);
  const known = new Set(names);
  const problems: ConfigProblem[] = [];
  const edges = new Map<string, { target: string; index: number }[]>();

  for (const { name, needs } of pipelines) {
    const valid: { target: string; index: number }[] = [];
    needs.forEach((need, index) => {
      const at = ["pipelines", name, "needs", index];
      const report = (message: string) => problems.push({ path: at, message, at, atKey: false });
      if (need === name) report(`${JSON.stringify(need)} is this pipeline; a pipeline cannot need itself`);
      else if (!known.has(need)) report(notAPipeline(need, names));
      else if (needs.indexOf(need) !== index) report(`${JSON.stringify(need)} is listed twice`);
      else valid.push({ target: need, index });
    });
    edges.set(name, valid);
  }

  const done = new Set<string>();
  const stack: string[] = [];
  const visit = (name: string) => {
    stack.push(name);
    for (const { target, index } of edges.get(name) ?? []) {
      if (done.has(target)) continue;
      const start = stack.indexOf(target);
      if (start >= 0) {
        const cycle = [name, ...stack.slice(start)];
        const at = ["pipelines", name, "needs", index];
        problems.push({ path: at, message: `needs form a cycle: ${cycle.join(" → ")}`, at, atKey: false });
      } else {
        visit(target);
      }
    }
    stack.pop();
    done.add(name);
  };
  for (const name of names) if (!done.has(name)) visit(name);

  return problems;
}

function notAPipeline(need: string, names: readonly string[]): string {
  const suggestion = suggestName(need, names);
  const hint = suggestion === null ? "" : ` (did you mean ${JSON.stringify(suggestion)}?)`;
  return `${JSON.stringify(need)} is not a pipeline in this file${hint}`;
}
