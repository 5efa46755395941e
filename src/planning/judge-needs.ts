/** Whether a pipeline whose `needs` are these may start, given how the pipelines of its push finished so far. */
export type NeedsVerdict =
  | { verdict: "start" }
  | { verdict: "wait" }
  /** A need finished without succeeding (its conclusion, or null when it finished without a result): never start. */
  | { verdict: "skip"; need: string; conclusion: string | null };

/**
 * What may start now, for the server (releasing waiting runs) and `gantry run` alike: a pipeline starts once every
 * pipeline it needs succeeded, is skipped as soon as one finished otherwise, and waits while any is unfinished.
 * `finished` maps a finished pipeline's name to its conclusion (null: finished without a result).
 */
export function judgeNeeds(needs: readonly string[], finished: ReadonlyMap<string, string | null>): NeedsVerdict {
  const failed = needs.find((need) => finished.has(need) && finished.get(need) !== "success");
  if (failed !== undefined) return { verdict: "skip", need: failed, conclusion: finished.get(failed) ?? null };
  return needs.every((need) => finished.has(need)) ? { verdict: "start" } : { verdict: "wait" };
}
