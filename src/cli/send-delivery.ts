import { randomUUID } from "node:crypto";
import { sign } from "@octokit/webhooks-methods";

export interface SendOptions {
  url: string;
  secret: string;
  event: string;
  /** Sent byte for byte as given: the signature covers exactly these bytes. */
  payload: string;
  deliveryId?: string;
}

export interface SendResult {
  status: number;
  body: string;
  deliveryId: string;
}

/** Signs a delivery the way GitHub does (`X-Hub-Signature-256`) and posts it. */
export async function sendDelivery(options: SendOptions): Promise<SendResult> {
  const deliveryId = options.deliveryId ?? randomUUID();
  const response = await fetch(options.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/gantry-send",
      "x-github-event": options.event,
      "x-github-delivery": deliveryId,
      "x-hub-signature-256": await sign(options.secret, options.payload),
    },
    body: options.payload,
  });
  return { status: response.status, body: await response.text(), deliveryId };
}
