import type { IncomingMessage, ServerResponse } from "node:http";
import { verify } from "@octokit/webhooks-methods";
import type { Logger } from "probot";
import type { RecordedPayload } from "../dispatch/create-payload-memory.js";
import { handledEvent } from "../dispatch/handled-events.js";
import type { Store } from "../backend/storage/store.js";
import { BodyTooLargeError, readBody } from "./read-body.js";

/** GitHub caps webhook payloads at 25 MB. */
export const MAX_BODY_BYTES = 25 * 1024 * 1024;

function isHandled(event: string, payload: unknown): boolean {
  // anything else is acknowledged and dropped unrecorded
  const actions = handledEvent(event)?.actions;
  if (actions === undefined) return false;
  if (actions === "any") return true;
  const action = (payload as { action?: unknown } | null)?.action;
  return typeof action === "string" && actions.has(action);
}

const JSON_TYPE = /^\s*application\/json\s*(?:;|$)/i;

/**
 * Whether a request's source may deliver: the refused client's address (for the log), or null when the request
 * may go on. Declared by the ack path that asks it; the start-up builds one from GANTRY_IP_ALLOWLIST.
 */
export type SourceCheck = (request: Pick<IncomingMessage, "socket" | "headers">) => string | null;

export interface WebhookHandlerOptions {
  path: string;
  secret: string;
  store: Store;
  log: Logger;
  /**
   * Told after a delivery is recorded, so it is dispatched without waiting for a poll, and from the payload
   * parsed here rather than read back from the store and parsed again.
   */
  onRecorded: (recorded: RecordedPayload) => void;
  /** GANTRY_IP_ALLOWLIST: null = any source may deliver. */
  sourceCheck?: SourceCheck | null;
}

type Handler = (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;

/**
 * The ack path: verify, record, answer. Nothing here talks to GitHub or waits for a build, so the answer
 * comes in milliseconds; status codes and messages follow @octokit/webhooks' middleware.
 */
export function createWebhookHandler(options: WebhookHandlerOptions): Handler {
  const path = options.path.replace(/\/+$/, "") || "/";
  const log = options.log;
  return async (request, response) => {
    const pathname = (request.url ?? "/").split("?")[0]!.replace(/\/+$/, "") || "/";
    if (pathname !== path) return false;
    const id = header(request, "x-github-delivery");
    const refused = options.sourceCheck?.(request) ?? null;
    if (refused !== null) {
      // decided on the address alone: the body is never read, only discarded (bounded) so the 403 arrives
      response.once("finish", () => drainThenClose(request));
      log.warn({ address: refused, delivery: id?.slice(0, 100) ?? null }, "webhook refused: source address not allowed");
      answer(response, 403, { error: "Forbidden: source address not allowed" });
      return true;
    }
    const event = header(request, "x-github-event");
    const reject = (status: number, error: string, size?: number) => {
      // one short line, never the body: a stream of large forgeries must not flood the logs
      log.warn({ status, delivery: id ?? null, event: event ?? null, size: size ?? request.headers["content-length"] ?? null }, `webhook rejected: ${error}`);
      answer(response, status, { error });
      return true;
    };

    if (request.method !== "POST") return reject(404, `Unknown route: ${request.method} ${pathname}`);
    if (!JSON_TYPE.test(request.headers["content-type"] ?? "")) {
      return reject(415, 'Unsupported "Content-Type" header value. Must be "application/json"');
    }
    const signature = header(request, "x-hub-signature-256");
    const missing = [["x-github-event", event], ["x-hub-signature-256", signature], ["x-github-delivery", id]]
      .filter(([, value]) => value === undefined)
      .map(([name]) => name);
    if (missing.length > 0) return reject(400, `Required headers missing: ${missing.join(", ")}`);

    let body: Buffer;
    try {
      body = await readBody(request, MAX_BODY_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        // discard (never buffer) what the client still sends, up to another cap and for a while, so it can
        // read the 413: closing a connection with unread data resets it, and a reset can swallow the answer
        response.once("finish", () => drainThenClose(request));
        return reject(413, `Payload too large: GitHub sends at most ${MAX_BODY_BYTES} bytes`);
      }
      throw error;
    }
    const payload = body.toString("utf8");
    if (!(await verify(options.secret, payload, signature!).catch(() => false))) {
      return reject(400, "[@octokit/webhooks] signature does not match event payload and secret", body.length);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      return reject(400, "Invalid JSON", body.length);
    }
    if (!isHandled(event!, parsed)) {
      log.debug({ delivery: id, event }, "event not handled");
      answer(response, 200, { ok: true, handled: false });
      return true;
    }

    let recorded: boolean;
    const receivedAt = Date.now();
    try {
      recorded = await options.store.recordDelivery({ id: id!, event: event!, payload, receivedAt });
    } catch (error) {
      // GitHub shows a failed delivery, and it can be redelivered; a 2xx here would lose it
      log.error({ err: error, delivery: id }, "could not record delivery");
      answer(response, 503, { error: "delivery could not be recorded" });
      return true;
    }
    if (recorded) options.onRecorded({ id: id!, payload: parsed, bytes: body.length, receivedAt });
    answer(response, recorded ? 202 : 200, recorded ? { ok: true, delivery: id } : { ok: true, duplicate: true });
    return true;
  };
}

function drainThenClose(request: IncomingMessage): void {
  let discarded = 0;
  const timer = setTimeout(() => request.destroy(), 10_000).unref();
  request.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > MAX_BODY_BYTES) request.destroy();
  });
  request.once("close", () => clearTimeout(timer));
  request.resume();
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function answer(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body) + "\n");
}
