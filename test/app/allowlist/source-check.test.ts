import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { createSourceCheck } from "../../../src/app/allowlist/create-source-check.js";
import { parseAddress } from "../../../src/app/allowlist/parse-address.js";
import { parseCidr } from "../../../src/app/allowlist/parse-cidr.js";
import { prepareAddressList } from "../../../src/app/allowlist/prepare-address-list.js";

const GITHUB = ["192.30.252.0/22", "185.199.108.0/22", "140.82.112.0/20", "143.55.64.0/20", "2a0a:a440::/29", "2606:50c0::/32"];

function allows(cidrs: string[], address: string): boolean {
  return prepareAddressList(cidrs).has(parseAddress(address)!);
}

/** What the check reads of a request: the peer's address and the headers. */
function request(remoteAddress: string, forwardedFor?: string | string[]): Pick<IncomingMessage, "socket" | "headers"> {
  return { socket: { remoteAddress }, headers: forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor } } as unknown as Pick<IncomingMessage, "socket" | "headers">;
}

function check(allowed: string[], trustedProxies: string[] = []) {
  return createSourceCheck({ allowed: () => prepareAddressList(allowed), trustedProxies: prepareAddressList(trustedProxies) });
}

describe("address ranges", () => {
  it("matches IPv4 ranges at their edges", () => {
    expect(allows(GITHUB, "192.30.252.0")).toBe(true);
    expect(allows(GITHUB, "192.30.255.255")).toBe(true);
    expect(allows(GITHUB, "192.30.251.255")).toBe(false);
    expect(allows(GITHUB, "192.31.0.0")).toBe(false);
    expect(allows(GITHUB, "140.82.127.1")).toBe(true);
    expect(allows(GITHUB, "140.82.128.1")).toBe(false);
    expect(allows(["0.0.0.0/0"], "203.0.113.9")).toBe(true);
    expect(allows(["0.0.0.0/0"], "2001:db8::1")).toBe(false);
    expect(allows(["10.0.0.5"], "10.0.0.5")).toBe(true);
    expect(allows(["10.0.0.5"], "10.0.0.6")).toBe(false);
  });

  it("matches IPv6 ranges in any spelling of the address", () => {
    expect(allows(GITHUB, "2a0a:a440::1")).toBe(true);
    expect(allows(GITHUB, "2a0a:a447:ffff:ffff:ffff:ffff:ffff:ffff")).toBe(true);
    expect(allows(GITHUB, "2A0A:A447:0000:0000:0000:0000:0000:0001")).toBe(true);
    expect(allows(GITHUB, "2a0a:a448::")).toBe(false);
    expect(allows(GITHUB, "2a0a:a43f:ffff::1")).toBe(false);
    expect(allows(GITHUB, "2606:50c0:ffff::")).toBe(true);
    expect(allows(GITHUB, "::1")).toBe(false);
    expect(allows(["::1"], "::1")).toBe(true);
    expect(allows(["::/0"], "192.30.252.1")).toBe(false);
  });

  it("takes an IPv4-mapped IPv6 address (a dual-stack socket's IPv4 peer) as the IPv4 address", () => {
    expect(allows(GITHUB, "::ffff:192.30.252.1")).toBe(true);
    expect(allows(GITHUB, "::ffff:c01e:fc01")).toBe(true);
    expect(allows(GITHUB, "::ffff:192.31.0.1")).toBe(false);
    expect(allows(["127.0.0.1/32"], "::ffff:127.0.0.1")).toBe(true);
    expect(allows(["::1/128"], "::ffff:127.0.0.1")).toBe(false);
    // and a mapped range is the IPv4 range it covers
    expect(allows(["::ffff:192.30.252.0/118"], "192.30.255.1")).toBe(true);
    expect(allows(["::ffff:192.30.252.0/118"], "::ffff:192.30.255.1")).toBe(true);
    expect(allows(["::ffff:192.30.252.0/118"], "192.30.0.1")).toBe(false);
  });

  it("refuses what is not an address or a range, including IPv4 forms no one writes", () => {
    for (const text of ["", "github", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/8/8", "10.0.0.0/-1", "10.0.0.0/ 8", "10.1/8", "0x7f.0.0.1", "127.1", "300.0.0.1", "2a0a::/129", "2a0a:::1", "::ffff:1.2.3.4/95", "192.30.252.0/22,"]) {
      expect(parseCidr(text), text).toBeNull();
    }
    expect(() => prepareAddressList(["10.0.0.0/8", "nope"])).toThrow('"nope" is not an IP address or CIDR range');
  });
});

describe("the source check", () => {
  it("allows the peer's address when it is listed and refuses it otherwise, naming it", () => {
    expect(check(["127.0.0.1"])(request("127.0.0.1"))).toBeNull();
    expect(check(["127.0.0.1"])(request("::ffff:127.0.0.1"))).toBeNull();
    expect(check(GITHUB)(request("127.0.0.1"))).toBe("127.0.0.1");
    expect(check(GITHUB)(request("::1"))).toBe("::1");
    expect(check(GITHUB)(request(""))).toBe("unknown");
  });

  it("ignores X-Forwarded-For when no proxy is trusted", () => {
    expect(check(GITHUB)(request("127.0.0.1", "192.30.252.1"))).toBe("127.0.0.1");
  });

  it("ignores X-Forwarded-For forged by a peer that is not a trusted proxy", () => {
    const withProxy = check(GITHUB, ["127.0.0.1"]);
    expect(withProxy(request("::1", "192.30.252.1"))).toBe("::1");
    expect(withProxy(request("203.0.113.7", "192.30.252.1"))).toBe("203.0.113.7");
  });

  it("takes the client from X-Forwarded-For when the peer is a trusted proxy", () => {
    const withProxy = check(GITHUB, ["127.0.0.1"]);
    expect(withProxy(request("127.0.0.1", "192.30.252.1"))).toBeNull();
    expect(withProxy(request("::ffff:127.0.0.1", "2a0a:a440::5"))).toBeNull();
    expect(withProxy(request("127.0.0.1", "203.0.113.7"))).toBe("203.0.113.7");
    // a trusted proxy that sent no header is itself the client
    expect(withProxy(request("127.0.0.1"))).toBe("127.0.0.1");
  });

  it("takes the right-most hop that is not a trusted proxy: what a client wrote on the left does not count", () => {
    const withProxies = check(GITHUB, ["127.0.0.1", "10.0.0.0/8"]);
    // the client 203.0.113.7 sent "X-Forwarded-For: 192.30.252.1"; its proxy appended the address it saw
    expect(withProxies(request("127.0.0.1", "192.30.252.1, 203.0.113.7"))).toBe("203.0.113.7");
    // GitHub → edge proxy 10.0.0.2 → local proxy: every trusted hop is skipped, anything further left ignored
    expect(withProxies(request("127.0.0.1", "203.0.113.7, 192.30.252.1, 10.0.0.2"))).toBeNull();
    expect(withProxies(request("127.0.0.1", ["203.0.113.7", "192.30.252.1, 10.0.0.2"]))).toBeNull();
    expect(withProxies(request("127.0.0.1", ["192.30.252.1", "203.0.113.7"]))).toBe("203.0.113.7");
  });

  it("refuses a hop that is not an address, showing no more of it than an address could be", () => {
    const withProxy = check(["0.0.0.0/0", "::/0"], ["127.0.0.1"]);
    const refused = withProxy(request("127.0.0.1", `192.30.252.1, ${"x".repeat(500)}`));
    expect(refused).toBe("x".repeat(45));
    expect(withProxy(request("127.0.0.1", "192.30.252.1:443"))).toBe("192.30.252.1:443");
  });
});
