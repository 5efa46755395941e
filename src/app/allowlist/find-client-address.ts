import type { IncomingMessage } from "node:http";
import { parseAddress, type IpAddress } from "./parse-address.js";
import type { AddressList } from "./prepare-address-list.js";

/** What an unparsable hop may put in a log line: the longest IPv6 text is 45 characters. */
const MAX_SHOWN = 45;

export interface ClientAddress {
  /** null when the address (or a hop of X-Forwarded-For that decides it) is not an IP address. */
  address: IpAddress | null;
  /** For the log: the address, or the start of what stood in its place. */
  text: string;
}

/**
 * Where a request comes from. The peer's address, unless the peer is a trusted proxy: then the right-most
 * X-Forwarded-For hop that is not itself a trusted proxy, since every hop left of it was written by whoever
 * sent the request. A peer that is not trusted may send any X-Forwarded-For; it is ignored.
 */
export function findClientAddress(request: Pick<IncomingMessage, "socket" | "headers">, trustedProxies: AddressList): ClientAddress {
  const peerText = request.socket.remoteAddress ?? "";
  const peer = parseAddress(peerText);
  if (peer === null) return { address: null, text: peerText.slice(0, MAX_SHOWN) || "unknown" };
  let client: ClientAddress = { address: peer, text: peer.toString() };
  if (trustedProxies.size === 0 || !trustedProxies.has(peer)) return client;
  // node joins repeated X-Forwarded-For headers with ", ", in the order they came
  const hops = [request.headers["x-forwarded-for"] ?? []].flat().join(",").split(",");
  for (let i = hops.length - 1; i >= 0; i--) {
    const hopText = hops[i]!.trim();
    if (hopText === "") continue;
    const hop = parseAddress(hopText);
    if (hop === null) return { address: null, text: hopText.slice(0, MAX_SHOWN) };
    client = { address: hop, text: hop.toString() };
    if (!trustedProxies.has(hop)) break;
  }
  return client;
}
