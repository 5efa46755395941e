import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { backoffDelay } from "./backoff-delay.js";
import { deliveryHeaders } from "./delivery-headers.js";
import { postDelivery, type Attempt } from "./post-delivery.js";
import type { SendOptions } from "./send-delivery.js";

export interface RetryOptions extends SendOptions {
  /** Attempts after the first, for connection errors, timeouts and 5xx answers; a 4xx answer is final. */
  retries: number;
  /** Each attempt's limit, its answer's body included. */
  timeoutMs: number;
  /** The first retry's delay, doubled for each further one (with jitter). */
  backoffMs: number;
  /** Told each attempt's outcome, with the wait before the next one when there is one. */
  onAttempt?: (attempt: Attempt, number: number, of: number, retryInMs: number | null) => void;
}

export interface RetryResult {
  /** The last attempt: an answer, or why it got none. */
  last: Attempt;
  attempts: number;
  deliveryId: string;
}

/**
 * Posts a delivery like a webhook publisher: every attempt carries the same delivery id and the same signed
 * bytes, so the receiver can tell a retry from a new delivery.
 */
export async function sendWithRetries(options: RetryOptions): Promise<RetryResult> {
  const deliveryId = options.deliveryId ?? randomUUID();
  const headers = await deliveryHeaders(options.secret, options.event, options.payload, deliveryId);
  const total = 1 + options.retries;
  for (let number = 1; ; number++) {
    const attempt = await postDelivery(options.url, headers, options.payload, options.timeoutMs);
    const retryable = attempt.kind === "error" || attempt.status >= 500;
    const retryInMs = retryable && number < total ? backoffDelay(number, options.backoffMs) : null;
    options.onAttempt?.(attempt, number, total, retryInMs);
    if (retryInMs === null) return { last: attempt, attempts: number, deliveryId };
    await sleep(retryInMs);
  }
}
