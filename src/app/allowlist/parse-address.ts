import ipaddr from "ipaddr.js";

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * An IPv4 or IPv6 address, or null. IPv4 only in the usual dotted form: ipaddr.js also takes `127.1` and
 * `0x7f.0.0.1`, which no proxy writes and an allowlist should not have to think about. An IPv4-mapped IPv6
 * address (`::ffff:192.0.2.1`, how a dual-stack socket reports an IPv4 peer) becomes the IPv4 address.
 */
export function parseAddress(text: string): IpAddress | null {
  if (text.includes(":")) {
    if (!ipaddr.IPv6.isValid(text)) return null;
    const address = ipaddr.IPv6.parse(text);
    return address.isIPv4MappedAddress() ? address.toIPv4Address() : address;
  }
  return ipaddr.IPv4.isValidFourPartDecimal(text) ? ipaddr.IPv4.parse(text) : null;
}
