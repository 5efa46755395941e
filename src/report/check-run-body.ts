import { executedPlan } from "../planning/executed-plan.js";
import type { RunRecord } from "../runs/run-types.js";
import { formatDuration } from "./format-duration.js";
import { capSummary, TITLE_LIMIT, type CheckRunOutput } from "./check-run-output.js";
import { escapeMarkdown, truncateChars } from "./markdown.js";
import { toCheckRunOutput } from "./to-check-run-output.js";

/** Buttons on the check run, within GitHub's limits (at most 3; label ≤ 20, identifier ≤ 20, description ≤ 40). */
export const ACTIONS = {
  rerun: { label: "Re-run", identifier: "rerun", description: "Run this pipeline again on this commit" },
  cancel: { label: "Cancel", identifier: "cancel", description: "Stop this run" },
} as const;

type Action = (typeof ACTIONS)[keyof typeof ACTIONS];

/** The fields of a check run that show a run's state; the same for creating and updating it. */
export interface CheckRunState {
  status: "queued" | "in_progress" | "completed";
  started_at?: string;
  conclusion?: "success" | "failure" | "timed_out" | "cancelled" | "skipped";
  completed_at?: string;
  output?: CheckRunOutput;
  actions: Action[];
}

/**
 * What GitHub should show for the run as recorded now. Only the newest state is ever sent: a run that finished
 * before its `in_progress` was reported goes straight to `completed`.
 */
export function checkRunState(run: RunRecord, tails: { logTail: string }): CheckRunState {
  const iso = (ms: number | null) => new Date(ms ?? Date.now()).toISOString();
  if (run.state === "completed" && run.result) {
    return {
      status: "completed",
      conclusion: run.result.conclusion,
      ...(run.startedAt ? { started_at: iso(run.startedAt) } : {}),
      completed_at: iso(run.completedAt),
      output: toCheckRunOutput(run, tails),
      actions: [ACTIONS.rerun],
    };
  }
  if (run.state === "running") {
    return { status: "in_progress", started_at: iso(run.startedAt), output: progressOutput(run), actions: [ACTIONS.cancel] };
  }
  return { status: "queued", output: queuedOutput(run), actions: [ACTIONS.cancel] };
}

/** Waiting for other pipelines, held back by a worker (its disk), or simply queued. */
function queuedOutput(run: RunRecord): CheckRunOutput {
  if (run.state === "queued" && run.waiting) {
    // gantry's own sentence, but it names the data folder, which is the operator's to name: escaped in Markdown
    return { title: truncateChars(run.waiting, TITLE_LIMIT, "…"), summary: capSummary(`${escapeMarkdown(run.waiting)}.`) };
  }
  const waiting = run.state === "waiting" ? `Waiting for ${run.pipeline.needs.map((n) => `\`${escapeMarkdown(n)}\``).join(", ")}` : "Queued";
  return { title: truncateChars(waiting, TITLE_LIMIT, "…"), summary: capSummary(`${waiting}.`) };
}

function progressOutput(run: RunRecord): CheckRunOutput {
  // the steps as the worker executes them, the checkout first, so the progress lines up by index
  const plan = executedPlan(run.pipeline);
  const done = run.progress.length;
  const total = plan.length;
  const current = plan[done];
  const title = current ? `Running step ${done + 1} of ${total}: ${current.name}` : `Finishing (${total} steps run)`;
  const rows = plan.map((step, index) => {
    const record = run.progress[index];
    const result = record ? record.conclusion : index === done ? "running" : "waiting";
    const duration = record?.durationMs == null ? "" : formatDuration(record.durationMs);
    return `| ${escapeMarkdown(step.name)} | ${result} | ${duration} |`;
  });
  // Step names are as long as the config makes them: both cuts keep whole characters, the table whole rows.
  const table = ["| Step | Result | Duration |", "| --- | --- | --- |", ...rows].join("\n");
  return { title: truncateChars(title, TITLE_LIMIT), summary: capSummary(table) };
}
