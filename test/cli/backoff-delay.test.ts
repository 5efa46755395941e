import { describe, expect, it } from "vitest";
import { backoffDelay } from "../../src/cli/backoff-delay.js";

describe("backoffDelay", () => {
  it("doubles from the base, half of each delay random", () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, 1_000, () => 0))).toEqual([500, 1_000, 2_000, 4_000]);
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, 1_000, () => 1))).toEqual([1_000, 2_000, 4_000, 8_000]);
  });

  it("stops growing at a minute", () => {
    expect(backoffDelay(30, 1_000, () => 1)).toBe(60_000);
  });
});
