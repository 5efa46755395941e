import type { IpAddress } from "./parse-address.js";
import { parseCidr, type IpRange } from "./parse-cidr.js";

/** A list of ranges, parsed once, asked per request. */
export interface AddressList {
  has(address: IpAddress): boolean;
  readonly size: number;
}

/** Parses the ranges once so a request costs a few comparisons. Throws on an entry that is not a range. */
export function prepareAddressList(cidrs: readonly string[]): AddressList {
  const ipv4: IpRange[] = [];
  const ipv6: IpRange[] = [];
  for (const cidr of cidrs) {
    const range = parseCidr(cidr);
    if (range === null) throw new Error(`"${cidr}" is not an IP address or CIDR range`);
    (range[0].kind() === "ipv4" ? ipv4 : ipv6).push(range);
  }
  return {
    size: cidrs.length,
    // ipaddr.js matches only within one family, so each address is compared with its own family's ranges
    has: (address) => (address.kind() === "ipv4" ? ipv4 : ipv6).some((range) => address.match(range)),
  };
}
