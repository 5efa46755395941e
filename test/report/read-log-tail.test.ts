import { mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readLogTail } from "../../src/report/read-log-tail.js";
import { linesOfBytes, WIDE_LINES } from "../helpers/wide-lines.js";

let dir: string;
let count = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gantry-log-tail-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function logFile(content: string | Buffer): Promise<string> {
  const path = join(dir, `log-${count++}.txt`);
  await writeFile(path, content);
  return path;
}

describe("readLogTail", () => {
  it("treats a missing file as an empty log", async () => {
    expect(await readLogTail(join(dir, "missing.log"), { maxBytes: 100 })).toEqual({ text: "", truncated: false });
  });

  it("returns a small log whole", async () => {
    const path = await logFile("line1\nline2\nline3\n");
    expect(await readLogTail(path, { maxBytes: 100 })).toEqual({ text: "line1\nline2\nline3\n", truncated: false });
  });

  it("drops the partial first line of the bytes it read", async () => {
    const path = await logFile("line1\nline2\nline3\n");
    expect(await readLogTail(path, { maxBytes: 100, readBytes: 8 })).toEqual({ text: "line3\n", truncated: true });
  });

  it("keeps the first line when the read starts exactly at a line start", async () => {
    const path = await logFile("line1\nline2\nline3\n");
    expect(await readLogTail(path, { maxBytes: 100, readBytes: 12 })).toEqual({
      text: "line2\nline3\n",
      truncated: true,
    });
    expect(await readLogTail(path, { maxBytes: 100, readBytes: 6 })).toEqual({ text: "line3\n", truncated: true });
  });

  it("cuts to maxBytes at a line start", async () => {
    const path = await logFile("aaaa\nbbbb\ncccc\n");
    expect(await readLogTail(path, { maxBytes: 11 })).toEqual({ text: "bbbb\ncccc\n", truncated: true });
    expect(await readLogTail(path, { maxBytes: 10 })).toEqual({ text: "bbbb\ncccc\n", truncated: true });
    expect(await readLogTail(path, { maxBytes: 9 })).toEqual({ text: "cccc\n", truncated: true });
  });

  it("keeps the last maxBytes of a last line that alone is too long", async () => {
    const path = await logFile(`short\n${"x".repeat(50)}END`);
    expect(await readLogTail(path, { maxBytes: 10 })).toEqual({ text: "xxxxxxxEND", truncated: true });
    const withNewline = await logFile(`short\n${"x".repeat(50)}END\n`);
    expect(await readLogTail(withNewline, { maxBytes: 10 })).toEqual({ text: "xxxxxxEND\n", truncated: true });
  });

  it("reads maxBytes * 4 bytes by default", async () => {
    const path = await logFile("0123456789\n".repeat(10));
    // 40 bytes reach back into the 4th-last line, so 3 whole lines are decoded; the last alone is 11 > 10 bytes.
    expect(await readLogTail(path, { maxBytes: 10 })).toEqual({ text: "123456789\n", truncated: true });
    expect(await readLogTail(path, { maxBytes: 33 })).toEqual({ text: "0123456789\n".repeat(3), truncated: true });
  });

  // Was pinned in UTF-16 units (5 → two emoji, 6 → three): the limit is now UTF-8 bytes, 4 an emoji.
  it("never splits a character when cutting bytes", async () => {
    const path = await logFile("😀".repeat(20));
    expect(await readLogTail(path, { maxBytes: 11 })).toEqual({ text: "😀😀", truncated: true });
    expect(await readLogTail(path, { maxBytes: 12 })).toEqual({ text: "😀😀😀", truncated: true });
  });

  it("decodes multi-byte UTF-8 cleanly wherever the byte window starts", async () => {
    const lines = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? "€".repeat(i + 1) : `😀${i}😀`));
    const content = `${lines.join("\n")}\n`;
    const path = await logFile(content);
    for (let readBytes = 1; readBytes <= Buffer.byteLength(content) + 2; readBytes++) {
      const { text } = await readLogTail(path, { maxBytes: 1_000, readBytes });
      expect(text, `readBytes ${readBytes}`).not.toContain("\ufffd");
      expect(content.endsWith(text), `readBytes ${readBytes}`).toBe(true);
    }
    // The last three lines take 10 + 34 + 11 bytes.
    const lastThree = `😀9😀\n${"€".repeat(11)}\n😀11😀\n`;
    expect(await readLogTail(path, { maxBytes: 1_000, readBytes: 60 })).toEqual({ text: lastThree, truncated: true });
    expect(await readLogTail(path, { maxBytes: 1_000, readBytes: 55 })).toEqual({ text: lastThree, truncated: true });
    expect(await readLogTail(path, { maxBytes: 1_000, readBytes: 54 })).toEqual({
      text: `${"€".repeat(11)}\n😀11😀\n`,
      truncated: true,
    });
  });

  it("keeps the end of a single line longer than the byte window, from a whole character", async () => {
    const path = await logFile("€😀".repeat(100));
    for (let readBytes = 1; readBytes <= 20; readBytes++) {
      const { text, truncated } = await readLogTail(path, { maxBytes: 1_000, readBytes });
      expect(text).not.toContain("\ufffd");
      expect("€😀".repeat(100).endsWith(text)).toBe(true);
      expect(truncated).toBe(true);
    }
    // Each "€😀" is 3 + 4 bytes: 11 bytes start at a 😀, 10 bytes start inside one.
    expect((await readLogTail(path, { maxBytes: 1_000, readBytes: 11 })).text).toBe("😀€😀");
    expect((await readLogTail(path, { maxBytes: 1_000, readBytes: 10 })).text).toBe("€😀");
  });

  it("holds back a character the writer has only half written", async () => {
    const euro = Buffer.from("€");
    const path = await logFile(Buffer.concat([Buffer.from("done €\n"), euro.subarray(0, 2)]));
    expect(await readLogTail(path, { maxBytes: 100 })).toEqual({ text: "done €\n", truncated: false });
  });

  it("strips ANSI escape sequences", async () => {
    const path = await logFile(
      [
        "\u001b[31mred\u001b[0m plain \u001b[1;32mbold green\u001b[m",
        "\u001b]0;window title\u0007after title",
        "\u001b]8;;https://example.com\u001b\\link\u001b]8;;\u001b\\ text",
        "\u001b[2K\u001b[1Gcleared \u001b(Bcharset \u001b7saved\u001b8",
        "",
      ].join("\n"),
    );
    expect((await readLogTail(path, { maxBytes: 1_000 })).text).toBe(
      "red plain bold green\nafter title\nlink text\ncleared charset saved\n",
    );
  });

  it("keeps only what follows the last carriage return of a line", async () => {
    const path = await logFile(
      "Downloading 10%\rDownloading 55%\rDownloading 100%\nwindows line\r\nprogress 99%\r\n\u001b[2K\rnpm ci\u0008\u0000 done\n",
    );
    expect((await readLogTail(path, { maxBytes: 1_000 })).text).toBe(
      "Downloading 100%\nwindows line\nprogress 99%\nnpm ci done\n",
    );
  });

  it("applies maxBytes to the cleaned text", async () => {
    const path = await logFile(`${"\u001b[31mx\u001b[0m".repeat(5)}\nlast\n`);
    expect(await readLogTail(path, { maxBytes: 11, readBytes: 1_000 })).toEqual({ text: "xxxxx\nlast\n", truncated: false });
  });

  it("reads the end of a 10 MB log within GitHub's limit", async () => {
    const lines: string[] = [];
    let size = 0;
    for (let i = 0; size < 10 * 1024 * 1024; i++) {
      const line = `${i} \u001b[32mok\u001b[0m test ${i} passed — 完成 ✅\n`;
      lines.push(line);
      size += Buffer.byteLength(line);
    }
    const path = await logFile(lines.join(""));
    const lastIndex = lines.length - 1;
    const { text, truncated } = await readLogTail(path, { maxBytes: 65_535 });
    expect(truncated).toBe(true);
    // Was `text.length` (UTF-16 units); GitHub counts bytes, which bound the length too.
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(65_535);
    expect(text.endsWith(`\n${lastIndex} ok test ${lastIndex} passed — 完成 ✅\n`)).toBe(true);
    const shownLines = text.split("\n").slice(0, -1);
    const first = Number(shownLines[0]!.split(" ")[0]);
    expect(shownLines).toEqual(
      Array.from({ length: lastIndex - first + 1 }, (_, k) => `${first + k} ok test ${first + k} passed — 完成 ✅`),
    );
  });

  it("reads only the end of a multi-GB file", async () => {
    const path = join(dir, "huge.log");
    const tail = Array.from({ length: 20_000 }, (_, i) => `tail line ${i}\n`).join("");
    const handle = await open(path, "w");
    try {
      // A sparse 5 GiB file: too big to read whole (readFile refuses over 2 GiB), instant to tail.
      await handle.write(tail, 5 * 1024 ** 3);
    } finally {
      await handle.close();
    }
    await expect(readFile(path)).rejects.toThrow();
    const { text, truncated } = await readLogTail(path, { maxBytes: 1_000 });
    expect(truncated).toBe(true);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1_000);
    expect(text).toMatch(/^tail line \d+\n/);
    expect(tail.endsWith(text)).toBe(true);
    expect(text.endsWith("tail line 19999\n")).toBe(true);
  });
  // GitHub refuses a check-run text over 65,535 UTF-8 bytes ("exceeds a maximum bytesize", github/docs#35252).
  describe.each(WIDE_LINES)("cuts %s lines to 65,535 bytes", (_kind, line) => {
    const linesOf = (bytes: number): string[] => linesOfBytes(line, bytes);

    it.each([
      ["just over", 65_535 + 40],
      ["far over", 3 * 65_535],
    ])("%s the limit: whole lines, valid UTF-8, ending with the last line", async (_over, bytes) => {
      const lines = linesOf(bytes);
      const content = `${lines.join("\n")}\n`;
      expect(Buffer.byteLength(content)).toBeGreaterThan(65_535);
      const { text, truncated } = await readLogTail(await logFile(content), { maxBytes: 65_535 });
      expect(truncated).toBe(true);
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(65_535);
      expect(Buffer.byteLength(text)).toBeGreaterThan(65_535 - Buffer.byteLength(`${lines.at(-1)!}\n`) * 2);
      expect(Buffer.from(text).toString()).toBe(text);
      expect(content.endsWith(text)).toBe(true);
      expect(content[content.length - text.length - 1]).toBe("\n");
      expect(text.endsWith(`\n${lines.at(-1)!}\n`)).toBe(true);
    });

    it("keeps the end of one line longer than the limit, from a whole character", async () => {
      const content = linesOf(2 * 65_535).join(" ");
      const { text } = await readLogTail(await logFile(content), { maxBytes: 65_535 });
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(65_535);
      expect(Buffer.byteLength(text)).toBeGreaterThan(65_535 - 4);
      expect(Buffer.from(text).toString()).toBe(text);
      expect(content.endsWith(text)).toBe(true);
    });
  });
});
