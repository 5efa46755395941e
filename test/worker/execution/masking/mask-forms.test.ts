import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { maskForms } from "../../../../src/worker/execution/masking/mask-forms.js";

/**
 * The base64 of a longer stream holding the secret after `prefix` random bytes, as a step would print it, and
 * the characters of it that carry the secret's bits alone (each character carries 6 bits of the stream).
 */
function encodedInStream(secret: string, prefix: number, encoding: "base64" | "base64url"): { stream: string; core: string } {
  const bytes = Buffer.from(secret, "utf8");
  const stream = Buffer.concat([randomBytes(prefix), bytes, randomBytes(7)]).toString(encoding);
  const core = stream.slice(Math.ceil((8 * prefix) / 6), Math.floor((8 * (prefix + bytes.length)) / 6));
  return { stream, core };
}

describe("maskForms", () => {
  const secret = "s3cr+t/v?lue~ü";

  it("has the value itself, its URL-encoded and its JSON-escaped forms", () => {
    const tricky = 'a"b\\c\nd\te/f';
    const forms = maskForms(tricky);
    expect(forms).toContain(tricky);
    expect(forms).toContain(encodeURIComponent(tricky));
    expect(forms).toContain(JSON.stringify(tricky).slice(1, -1));
    expect(forms).toContain('a\\"b\\\\c\\nd\\te/f');
  });

  for (const encoding of ["base64", "base64url"] as const) {
    for (const prefix of [0, 1, 2, 3, 4, 5]) {
      it(`finds the ${encoding} of the secret after ${prefix} other byte(s) inside a longer stream`, () => {
        for (let round = 0; round < 20; round++) {
          const { stream, core } = encodedInStream(secret, prefix, encoding);
          expect(stream).toContain(core);
          expect(maskForms(secret)).toContain(core);
        }
      });
    }
  }

  it("has base64 without '=' padding, URL-safe forms distinct only when they differ", () => {
    const forms = maskForms(secret);
    expect(forms.some((form) => form.includes("="))).toBe(false);
    expect(new Set(forms).size).toBe(forms.length);
    expect(maskForms("abcdefgh")).toHaveLength(4); // the value and its base64 at three alignments, nothing twice
  });

  it("has each line of 4 or more characters of a multi-line secret", () => {
    const forms = maskForms("-----BEGIN KEY-----\r\nMIIEabc\nxyz\n-----END KEY-----");
    expect(forms).toEqual(expect.arrayContaining(["-----BEGIN KEY-----", "MIIEabc", "-----END KEY-----"]));
    expect(forms).not.toContain("xyz");
  });

  it("never has a needle shorter than 4 bytes", () => {
    for (const value of ["abcd", "ab\ncd", "é", "wxyz1"]) for (const form of maskForms(value)) expect(Buffer.byteLength(form)).toBeGreaterThanOrEqual(4);
  });

  it("masks each line of a long secret's base64 as base64 and openssl base64 wrap it (76 and 64 columns)", () => {
    const long = randomBytes(300).toString("latin1");
    const encoded = Buffer.from(long, "utf8").toString("base64");
    for (const width of [76, 64]) {
      const lines = encoded.match(new RegExp(`.{1,${width}}`, "g"))!;
      expect(lines.length).toBeGreaterThan(4);
      // every line but the last (which ends in padding, or in bits of what would follow) is a needle as it is
      for (const line of lines.slice(0, -1)) expect(maskForms(long)).toContain(line);
    }
  });
});
