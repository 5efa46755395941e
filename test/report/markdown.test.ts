import { describe, expect, it } from "vitest";
import {
  codeFence,
  escapeMarkdown,
  firstLine,
  headWithinBytes,
  tailWithinBytes,
  truncateBytes,
  truncateChars,
  utf8Length,
} from "../../src/report/markdown.js";

const ZWJ = "\u200d";

describe("escapeMarkdown", () => {
  it.each([
    ["<script>alert(1)</script>", "\\<script\\>alert\\(1\\)\\</script\\>"],
    ["[x](javascript:alert(1))", "\\[x\\]\\(javascript:alert\\(1\\)\\)"],
    ["![img](http://evil.example/a.png)", `\\!\\[img\\]\\(http:${ZWJ}//evil.example/a.png\\)`],
    ["see https://evil.example and www.evil.example", `see https:${ZWJ}//evil.example and www${ZWJ}.evil.example`],
    ["@everyone and @octo/team, mail a@b.co", `@${ZWJ}everyone and @${ZWJ}octo/team, mail a@${ZWJ}b.co`],
    ["Eve | Mallory", "Eve \\| Mallory"],
    ["`rm -rf /` and ```", "\\`rm -rf /\\` and \\`\\`\\`"],
    ["**bold** _it_ ~~gone~~ $x^2$", "\\*\\*bold\\*\\* \\_it\\_ \\~\\~gone\\~\\~ \\$x^2\\$"],
    ["&lt;b&gt; \\ {x}", "\\&lt;b\\&gt; \\\\ \\{x\\}"],
    ["# not a heading", "\\# not a heading"],
    ["- not a list", "\\- not a list"],
    ["+ not a list", "\\+ not a list"],
    ["1. not a list", "1\\. not a list"],
    ["a - b + c 1. d", "a - b + c 1. d"],
    ["line one\nline two\r\nthree\rfour\tfive", "line one line two three four five"],
    ["bell\u0007 nul\u0000 del\u007f", "bell nul del"],
    ["修正 😀 👩‍👩‍👧 é", "修正 😀 👩‍👩‍👧 é"],
    ["", ""],
  ])("escapes %j", (input, expected) => {
    expect(escapeMarkdown(input)).toBe(expected);
  });
});

describe("codeFence", () => {
  it("uses three backticks for text without any", () => {
    expect(codeFence("npm test\nok")).toBe("```\nnpm test\nok\n```");
  });

  it("does not add a second newline", () => {
    expect(codeFence("ok\n")).toBe("```\nok\n```");
  });

  it("uses a fence longer than the longest backtick run", () => {
    expect(codeFence("```\nx `````` y\n")).toBe("```````\n```\nx `````` y\n```````");
  });

  it("fences empty text", () => {
    expect(codeFence("")).toBe("```\n```");
  });
});

describe("firstLine", () => {
  it.each([
    ["Fix the parser\n\nBody", "Fix the parser"],
    ["  Padded subject  \r\nBody", "Padded subject"],
    ["Old Mac\rstyle", "Old Mac"],
    ["", ""],
    ["修正 😀", "修正 😀"],
  ])("takes the subject of %j", (message, expected) => {
    expect(firstLine(message)).toBe(expected);
  });
});

describe("truncateChars", () => {
  it("leaves short text alone", () => {
    expect(truncateChars("hello", 5, "…")).toBe("hello");
  });

  it("cuts and appends the marker within the limit", () => {
    expect(truncateChars("hello world", 5)).toBe("hello");
    expect(truncateChars("hello world", 5, "…")).toBe("hell…");
  });

  it("never splits a surrogate pair", () => {
    expect(truncateChars("ab😀", 3)).toBe("ab");
    expect(truncateChars("😀😀😀", 3, "…")).toBe("😀…");
    expect(truncateChars("😀😀😀", 4, "…")).toBe("😀…");
    expect(truncateChars("😀😀😀", 5, "…")).toBe("😀😀…");
  });

  it("handles limits smaller than the marker", () => {
    expect(truncateChars("hello", 0, "…")).toBe("");
    expect(truncateChars("hello", 1, "…")).toBe("…");
    expect(truncateChars("hello", -1)).toBe("");
  });
});

describe("UTF-8 sizes", () => {
  it("counts bytes as GitHub does", () => {
    expect(utf8Length("a")).toBe(1);
    expect(utf8Length("é")).toBe(2);
    expect(utf8Length("€")).toBe(3);
    expect(utf8Length("😀")).toBe(4);
    expect(utf8Length("a€😀")).toBe(8);
    // A lone surrogate goes out as U+FFFD.
    expect(utf8Length("\ud800x")).toBe(4);
  });

  it("truncates to a byte budget on character boundaries", () => {
    expect(truncateBytes("a€😀b", 3)).toBe("a");
    expect(truncateBytes("a€😀b", 4)).toBe("a€");
    expect(truncateBytes("a€😀b", 7)).toBe("a€");
    expect(truncateBytes("a€😀b", 8)).toBe("a€😀");
    expect(truncateBytes("a€😀b", 9)).toBe("a€😀b");
  });

  it("keeps whole lines from the end within a byte budget", () => {
    expect(tailWithinBytes("l1\nl2\nl3\n", 100)).toBe("l1\nl2\nl3\n");
    expect(tailWithinBytes("l1\nl2\nl3\n", 6)).toBe("l2\nl3\n");
    expect(tailWithinBytes("l1\nl2\nl3\n", 5)).toBe("l3\n");
    expect(tailWithinBytes("l1\nl2\nl3", 5)).toBe("l2\nl3");
    expect(tailWithinBytes("€€\n😀😀\n", 9)).toBe("😀😀\n");
    expect(tailWithinBytes("€€\n😀😀\n", 0)).toBe("");
  });

  it("keeps the end of a last line longer than the budget, without splitting characters", () => {
    expect(tailWithinBytes("short\n😀😀😀end\n", 10)).toBe("😀end\n");
    expect(tailWithinBytes("short\n😀😀😀end", 9)).toBe("😀end");
    expect(tailWithinBytes("😀😀😀", 7)).toBe("😀");
  });

  it("keeps whole lines from the start within a byte budget, the notice included", () => {
    expect(headWithinBytes("l1\nl2\nl3", 100, "!")).toBe("l1\nl2\nl3");
    expect(headWithinBytes("l1\nl2\nl3", 7, "!")).toBe("l1\nl2!");
    expect(headWithinBytes("l1\nl2\nl3", 6, "!")).toBe("l1!");
    expect(headWithinBytes("€€\n😀😀\n", 9, " [cut]")).toBe("€ [cut]");
    expect(headWithinBytes("€€\n😀😀x", 12, "…")).toBe("€€…");
    // One line longer than the budget: its start, on a character boundary.
    expect(headWithinBytes("😀😀😀", 9, "…")).toBe("😀…");
    expect(headWithinBytes("😀😀😀", 2, "…")).toBe("");
  });
});
