import { describe, expect, it } from "vitest";
import { parseDuration } from "../../src/config/parse-duration.js";

describe("parseDuration", () => {
  it.each([
    ["90s", 90_000],
    ["10m", 600_000],
    ["1h", 3_600_000],
    ["1h30m", 5_400_000],
    ["1h30m15s", 5_415_000],
    ["2m30s", 150_000],
    ["1h15s", 3_615_000],
    ["0s", 0],
    ["60m", 3_600_000],
    ["007m", 420_000],
    ["24h", 86_400_000],
  ])("reads %j as %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ["bare number", "90"],
    ["empty", ""],
    ["unknown unit", "10x"],
    ["days", "1d"],
    ["milliseconds", "500ms"],
    ["upper case", "10M"],
    ["units out of order", "30m1h"],
    ["repeated unit", "1m1m"],
    ["fraction", "1.5h"],
    ["negative", "-1m"],
    ["spaces", "1h 30m"],
    ["leading space", " 1h"],
    ["trailing unit only", "h"],
    ["trailing number", "1h30"],
    ["word", "ten minutes"],
    ["overflowing digits", `${"9".repeat(400)}h`],
  ])("rejects %s (%j)", (_, text) => {
    expect(parseDuration(text)).toBeNull();
  });
});
