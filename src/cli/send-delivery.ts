import { randomUUID } from "node:crypto";
import { deliveryHeaders } from "./delivery-headers.js";
import { postDelivery } from "./post-delivery.js";

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

/** Signs a delivery the way GitHub does (`X-Hub-Signature-256`) and posts it once; throws when no answer comes. */
export async function sendDelivery(options: SendOptions): Promise<SendResult> {
  const deliveryId = options.deliveryId ?? randomUUID();
  const headers = await deliveryHeaders(options.secret, options.event, options.payload, deliveryId);
  const attempt = await postDelivery(options.url, headers, options.payload);
  if (attempt.kind === "error") throw new Error(`POST ${options.url} failed: ${attempt.reason}`);
  return { status: attempt.status, body: attempt.body, deliveryId };
}
