import type { SourceCheck } from "../../ingest/create-webhook-handler.js";
import { findClientAddress } from "./find-client-address.js";
import type { AddressList } from "./prepare-address-list.js";

/** `allowed` is asked per request, so a refreshed list takes effect at once. */
export function createSourceCheck(options: { allowed: () => AddressList; trustedProxies: AddressList }): SourceCheck {
  return (request) => {
    const client = findClientAddress(request, options.trustedProxies);
    return client.address !== null && options.allowed().has(client.address) ? null : client.text;
  };
}
