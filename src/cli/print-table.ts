import { formatDuration } from "../report/format-duration.js";

export interface Row {
  pipeline: string;
  step: string;
  result: string;
  exitCode: number | null;
  durationMs: number | null;
}

export const MARKS: Record<string, string> = { success: "✔", failure: "✖", timed_out: "⏱", cancelled: "■", skipped: "○" };

/** A plain-text table, aligned by column, readable in any terminal or CI log. */
export function printTable(rows: Row[], say: (line: string) => void): void {
  const cells = [
    ["pipeline", "step", "result", "exit", "duration"],
    ...rows.map((r) => [
      r.pipeline,
      r.step,
      `${MARKS[r.result] ?? ""} ${r.result}`,
      r.exitCode === null ? "-" : String(r.exitCode),
      r.durationMs === null ? "-" : formatDuration(r.durationMs),
    ]),
  ];
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((row) => [...row[i]!].length)));
  for (const row of cells) say(row.map((cell, i) => cell + " ".repeat(widths[i]! - [...cell].length)).join("  ").trimEnd());
}
