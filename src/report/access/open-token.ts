import { createHmac, timingSafeEqual } from "node:crypto";

/** Longer than any token gantry signs: a huge cookie is refused before any work. */
const MAX_TOKEN_CHARS = 1024;

/**
 * The payload of a token `signToken` made with `key`, or null when it is forged, altered, made with another key,
 * malformed or expired (`exp`, epoch ms, not after `now`). The signature is compared in constant time.
 */
export function openToken(key: Buffer, token: string | undefined, now = Date.now()): Record<string, unknown> | null {
  if (token === undefined || token.length > MAX_TOKEN_CHARS) return null;
  const dot = token.indexOf(".");
  if (dot <= 0) return null;
  const body = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), "base64url");
  const expected = createHmac("sha256", key).update(body).digest();
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return null;
  const exp = (payload as { exp?: unknown }).exp;
  if (typeof exp !== "number" || !(exp > now)) return null;
  return payload as Record<string, unknown>;
}
