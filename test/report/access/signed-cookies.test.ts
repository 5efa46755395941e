import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { deriveCookieKeys } from "../../../src/report/access/derive-cookie-keys.js";
import { openToken } from "../../../src/report/access/open-token.js";
import { readAccessCookie } from "../../../src/report/access/read-access-cookie.js";
import { signToken } from "../../../src/report/access/sign-token.js";

const keys = deriveCookieKeys("the-client-secret");
const NOW = 1_800_000_000_000;
const request = (cookie: string) => ({ headers: { cookie } }) as IncomingMessage;

describe("signed tokens", () => {
  it("open to their payload with the key they were made with, until they expire", () => {
    const token = signToken(keys.access, { u: 1, exp: NOW + 1000 });
    expect(openToken(keys.access, token, NOW)).toEqual({ u: 1, exp: NOW + 1000 });
    expect(openToken(keys.access, token, NOW + 1000)).toBeNull();
  });

  it("refuse a token made with another key: another secret, or the other cookie's key", () => {
    const token = signToken(keys.state, { s: "x", exp: NOW + 1000 });
    expect(openToken(keys.access, token, NOW)).toBeNull();
    expect(openToken(deriveCookieKeys("another-secret").state, token, NOW)).toBeNull();
    // the same secret gives the same keys on every node
    expect(openToken(deriveCookieKeys("the-client-secret").state, token, NOW)).not.toBeNull();
  });

  it("refuse a tampered payload, a forged or cut signature and malformed tokens", () => {
    const token = signToken(keys.access, { a: false, exp: NOW + 1000 });
    const [body, mac] = token.split(".") as [string, string];
    const altered = Buffer.from(JSON.stringify({ a: true, exp: NOW + 1000 })).toString("base64url");
    expect(openToken(keys.access, `${altered}.${mac}`, NOW)).toBeNull();
    const flipped = Buffer.from(mac, "base64url");
    flipped[0]! ^= 1;
    expect(openToken(keys.access, `${body}.${flipped.toString("base64url")}`, NOW)).toBeNull();
    expect(openToken(keys.access, `${body}.${mac.slice(0, -2)}`, NOW)).toBeNull();
    expect(openToken(keys.access, `${body}.`, NOW)).toBeNull();
    expect(openToken(keys.access, body, NOW)).toBeNull();
    expect(openToken(keys.access, "", NOW)).toBeNull();
    expect(openToken(keys.access, undefined, NOW)).toBeNull();
    expect(openToken(keys.access, `${"a".repeat(2000)}.${mac}`, NOW)).toBeNull();
  });

  it("refuse a validly signed payload without a numeric expiry", () => {
    for (const payload of [{ exp: "9999999999999" }, { exp: null }, {}]) {
      expect(openToken(keys.access, signToken(keys.access, payload as { exp: number }), NOW)).toBeNull();
    }
  });
});

describe("the access cookie", () => {
  const claim = { u: 7, l: "mona", r: 1234, a: true, exp: NOW + 60_000 };

  it("says what GitHub answered for its repository", () => {
    const cookie = `other=1; gantry_access_1234=${signToken(keys.access, claim)}`;
    expect(readAccessCookie(request(cookie), keys.access, 1234, NOW)).toEqual(claim);
  });

  it("counts for no other repository, whatever its name says", () => {
    const token = signToken(keys.access, claim);
    expect(readAccessCookie(request(`gantry_access_1234=${token}`), keys.access, 99, NOW)).toBeNull();
    // copied under another repository's name: the signed content names 1234
    expect(readAccessCookie(request(`gantry_access_99=${token}`), keys.access, 99, NOW)).toBeNull();
  });

  it("is refused expired, forged or incomplete", () => {
    expect(readAccessCookie(request(`gantry_access_1234=${signToken(keys.access, claim)}`), keys.access, 1234, claim.exp)).toBeNull();
    expect(readAccessCookie(request(`gantry_access_1234=${signToken(deriveCookieKeys("x").access, claim)}`), keys.access, 1234, NOW)).toBeNull();
    const { u: _u, ...noUser } = claim;
    expect(readAccessCookie(request(`gantry_access_1234=${signToken(keys.access, noUser)}`), keys.access, 1234, NOW)).toBeNull();
    expect(readAccessCookie(request(""), keys.access, 1234, NOW)).toBeNull();
  });
});
