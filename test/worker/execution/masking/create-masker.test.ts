import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createMasker, MASK, type Masker } from "../../../../src/worker/execution/masking/create-masker.js";

const masker = (secrets: string[]): Masker => {
  const made = createMasker(secrets);
  if (!made) throw new Error("expected a masker");
  return made;
};

/** Pushes `data` cut at the given byte positions, then ends: what the stream emitted, joined. */
function streamed(m: Masker, data: Buffer, cuts: number[]): Buffer {
  const stream = m.stream();
  const out: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts, data.length]) {
    out.push(stream.push(data.subarray(from, cut)));
    from = cut;
  }
  out.push(stream.end());
  return Buffer.concat(out);
}

describe("createMasker", () => {
  it("is null without a secret, so that callers keep the direct path", () => {
    expect(createMasker([])).toBeNull();
  });

  it("masks the value wherever it appears", () => {
    expect(masker(["hunter22"]).mask("pw=hunter22; again hunter22.")).toBe(`pw=${MASK}; again ${MASK}.`);
  });

  for (const encoding of ["base64", "base64url"] as const) {
    for (const prefix of [0, 1, 2]) {
      it(`masks ${encoding} of the secret after ${prefix} byte(s) inside a longer stream`, () => {
        const secret = "tok>en?/_~" + randomBytes(12).toString("hex");
        const m = masker([secret]);
        for (let round = 0; round < 30; round++) {
          const text = Buffer.concat([randomBytes(3 * 10 + prefix), Buffer.from(secret), randomBytes(20)]).toString(encoding);
          const masked = m.mask(text);
          expect(masked).toContain(MASK);
          // what is left around the mask are the characters that mix in the random bytes, at most 2 either side
          const [before, after] = masked.split(MASK) as [string, string];
          expect(before.length).toBeGreaterThanOrEqual(40);
          expect(text.length - before.length - after.length).toBeGreaterThanOrEqual(Math.floor((8 * secret.length) / 6) - 2);
        }
      });
    }
  }

  it("masks the JSON-escaped form of a secret with quotes, backslashes and newlines", () => {
    const secret = 'pa"ss\\wo\nrd';
    expect(masker([secret]).mask(JSON.stringify({ token: secret }))).toBe(`{"token":"${MASK}"}`);
  });

  it("masks the URL-encoded form", () => {
    const secret = "a b&c/d?é";
    expect(masker([secret]).mask(`https://x/?t=${encodeURIComponent(secret)}&n=1`)).toBe(`https://x/?t=${MASK}&n=1`);
  });

  it("masks each line of a multi-line secret printed alone", () => {
    const secret = "-----BEGIN-----\nAAAAline1\nBBBBline2\n-----END-----";
    expect(masker([secret]).mask("key part: BBBBline2 seen")).toBe(`key part: ${MASK} seen`);
  });

  it("masks the union of overlapping matches as one mask, and needles inside others", () => {
    expect(masker(["abcdef", "cdefgh"]).mask("xxabcdefghyy")).toBe(`xx${MASK}yy`);
    expect(masker(["abcdefgh", "cdef"]).mask("cdef abcdefgh")).toBe(`${MASK} ${MASK}`);
    expect(masker(["abcd"]).mask("abcdabcd abcd")).toBe(`${MASK} ${MASK}`);
  });

  it("treats regular expression metacharacters literally", () => {
    const m = masker(["a.*b(c|d)$^[x]"]);
    expect(m.mask("a.*b(c|d)$^[x] aXXb(c|d)$^[x]")).toBe(`${MASK} aXXb(c|d)$^[x]`);
  });

  it("matches non-ASCII secrets on their UTF-8 bytes", () => {
    const secret = "пароль🔑ü";
    const m = masker([secret]);
    expect(m.mask(`«${secret}»`)).toBe(`«${MASK}»`);
    const data = Buffer.from(`→${secret}←`);
    for (let cut = 1; cut < data.length; cut++) expect(streamed(m, data, [cut]).toString()).toBe(`→${MASK}←`);
  });

  it("masks a secret split at every byte position across two chunks, and across three", () => {
    const m = masker(["abcdef0123"]);
    const data = Buffer.from("0123abcdef0123abc-abcdef0123");
    const expected = `0123${MASK}abc-${MASK}`;
    for (let cut = 0; cut <= data.length; cut++) expect(streamed(m, data, [cut]).toString()).toBe(expected);
    for (let a = 0; a <= data.length; a++) for (let b = a; b <= data.length; b++) expect(streamed(m, data, [a, b]).toString()).toBe(expected);
  });

  it("masks overlapping secrets as one mask whatever the chunking, byte by byte included", () => {
    const m = masker(["abcdef", "cdefgh", "ghijklmnop"]);
    const data = Buffer.from("abcdefghijklmnop|cdefgh|abcdefgh");
    const expected = `${MASK}|${MASK}|${MASK}`;
    for (let a = 0; a <= data.length; a++) for (let b = a; b <= data.length; b++) expect(streamed(m, data, [a, b]).toString()).toBe(expected);
    expect(streamed(m, data, Array.from({ length: data.length }, (_, i) => i)).toString()).toBe(expected);
  });

  it("masks a secret at the very start and the very end of the stream", () => {
    const m = masker(["s3cret!!"]);
    expect(streamed(m, Buffer.from("s3cret!!"), []).toString()).toBe(MASK);
    expect(streamed(m, Buffer.from("s3cret!! mid s3cret!!"), [3]).toString()).toBe(`${MASK} mid ${MASK}`);
  });

  it("holds back the longest form less one byte, and emits it at the end", () => {
    // the longest form of "abcdef" is its base64, "YWJjZGVm": 7 bytes are held back
    const stream = masker(["abcdef"]).stream();
    expect(stream.push(Buffer.from("0123456789")).toString()).toBe("012");
    expect(stream.push(Buffer.from("abc")).toString()).toBe("345");
    expect(stream.push(Buffer.from("def!")).toString()).toBe("6789");
    expect(stream.end().toString()).toBe(`${MASK}!`);
  });

  it("leaves a stream without a secret unchanged byte for byte, whatever the chunking", () => {
    const m = masker(["never-printed", "also-absent"]);
    const data = randomBytes(300_000);
    const cuts = [1, 2, 3, 70_000, 70_001, 140_000, 299_999];
    expect(streamed(m, data, cuts).equals(data)).toBe(true);
    expect(streamed(m, data, []).equals(data)).toBe(true);
  });

  it("agrees with a plain search over the whole text on random data and random chunking", () => {
    const secrets = ["ab12", "b12c", "12cd34", "zz9y"];
    const m = masker(secrets);
    const alphabet = "ab12cdz9y34 ";
    for (let round = 0; round < 200; round++) {
      const text = Array.from({ length: 200 }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join("");
      const data = Buffer.from(text);
      const cuts = Array.from({ length: 5 }, () => Math.floor(Math.random() * data.length)).sort((x, y) => x - y);
      expect(streamed(m, data, cuts).toString()).toBe(reference(secrets, text));
    }
  });
});

/** The masked text computed the slow way: mark every byte any occurrence of any form covers. */
function reference(secrets: string[], text: string): string {
  const needles = secrets; // ASCII secrets of this test have no other form that occurs in its alphabet
  const covered = new Array<boolean>(text.length).fill(false);
  for (const needle of needles) for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + 1)) covered.fill(true, i, i + needle.length);
  let out = "";
  for (let i = 0; i < text.length; i++) {
    if (!covered[i]) out += text[i];
    else if (i === 0 || !covered[i - 1]) out += MASK;
  }
  return out;
}
