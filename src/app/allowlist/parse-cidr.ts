import { parseAddress, type IpAddress } from "./parse-address.js";

export type IpRange = [IpAddress, number];

/**
 * `192.30.252.0/22`, `2a0a:a440::/29`, or a single address (all its bits); null when it is neither. An
 * IPv4-mapped IPv6 range becomes the IPv4 range it covers, as the addresses it is matched against do.
 */
export function parseCidr(text: string): IpRange | null {
  const [addressText = "", bitsText, extra] = text.split("/");
  const address = extra === undefined ? parseAddress(addressText) : null;
  if (address === null) return null;
  const family = address.kind() === "ipv4" ? 32 : 128;
  if (bitsText === undefined) return [address, family];
  const written = addressText.includes(":") ? 128 : 32;
  const bits = /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : Infinity;
  if (bits > written) return null;
  if (written === family) return [address, bits];
  // mapped: ::ffff:0:0/96 is all of IPv4; a shorter prefix reaches past it and means nothing here
  return bits >= 96 ? [address, bits - 96] : null;
}
