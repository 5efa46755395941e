import type { IncomingMessage } from "node:http";
import { findClientAddress } from "./find-client-address.js";
import type { AddressList } from "./prepare-address-list.js";

/** The refused client's address (for the log), or null when the request may go on. */
export type SourceCheck = (request: Pick<IncomingMessage, "socket" | "headers">) => string | null;

/** `allowed` is asked per request, so a refreshed list takes effect at once. */
export function createSourceCheck(options: { allowed: () => AddressList; trustedProxies: AddressList }): SourceCheck {
  return (request) => {
    const client = findClientAddress(request, options.trustedProxies);
    return client.address !== null && options.allowed().has(client.address) ? null : client.text;
  };
}
