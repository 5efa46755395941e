import { sign } from "@octokit/webhooks-methods";

/** The headers GitHub sends with a delivery, `X-Hub-Signature-256` signing exactly `payload`'s bytes. */
export async function deliveryHeaders(secret: string, event: string, payload: string, deliveryId: string): Promise<Record<string, string>> {
  return {
    "content-type": "application/json",
    "user-agent": "GitHub-Hookshot/gantry-send",
    "x-github-event": event,
    "x-github-delivery": deliveryId,
    "x-hub-signature-256": await sign(secret, payload),
  };
}
