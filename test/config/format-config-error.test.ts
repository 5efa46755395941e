import { describe, expect, it } from "vitest";
import { formatConfigError } from "../../src/config/parse-config.js";

describe("formatConfigError", () => {
  it("puts file, line, column, path and message in compiler order", () => {
    expect(
      formatConfigError({
        file: ".github/gantry.yml",
        line: 12,
        column: 7,
        path: "pipelines.build.timeout",
        message: '"10x" is not a duration (use "90s", "10m" or "1h")',
      }),
    ).toBe('.github/gantry.yml:12:7: pipelines.build.timeout: "10x" is not a duration (use "90s", "10m" or "1h")');
  });

  it("leaves out an empty path", () => {
    expect(formatConfigError({ file: "g.yml", line: 1, column: 1, path: "", message: "the file is empty" })).toBe("g.yml:1:1: the file is empty");
  });
});
