import { sendWithRetries } from "./send-with-retries.js";

/** GitHub gives a receiver 10 s; a single send (no retry to fall back on) waits longer before it gives up. */
const ONE_ATTEMPT_MS = 60_000;

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
  const { last, deliveryId } = await sendWithRetries({ ...options, retries: 0, timeoutMs: ONE_ATTEMPT_MS, backoffMs: 0 });
  if (last.kind === "error") throw new Error(`POST ${options.url} failed: ${last.reason}`);
  return { status: last.status, body: last.body, deliveryId };
}
