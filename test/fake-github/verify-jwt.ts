import { createPublicKey, verify, type KeyObject } from "node:crypto";

export type JwtVerdict =
  | { ok: true; claims: Record<string, unknown> }
  | { ok: false; message: string };

/** GitHub's own 401 messages. @octokit/auth-app matches the time-claim ones to retry with a clock-skew correction. */
export const JWT_MESSAGES = {
  undecodable: "A JSON web token could not be decoded",
  expired:
    "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
  tooFarAhead: "'Expiration time' claim ('exp') is too far in the future",
  issuedInFuture: "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
} as const;

const MAX_LIFETIME_S = 10 * 60;
const CLOCK_SKEW_S = 60;

/**
 * Checks a GitHub App JWT the way GitHub does: RS256 signed by the app's key, issued by the app,
 * not expired, expiring at most 10 minutes from now, and not issued in the future (60 s skew).
 */
export function verifyAppJwt(
  token: string,
  options: { appId: number; publicKey: string | KeyObject; nowSeconds?: number },
): JwtVerdict {
  const bad = { ok: false, message: JWT_MESSAGES.undecodable } as const;
  const parts = token.split(".");
  if (parts.length !== 3) return bad;
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeJson(headerPart);
  const claims = decodeJson(payloadPart);
  if (!header || !claims || header["alg"] !== "RS256") return bad;

  const key = typeof options.publicKey === "string" ? createPublicKey(options.publicKey) : options.publicKey;
  let signed = false;
  try {
    const signature = Buffer.from(signaturePart, "base64url");
    signed = verify("RSA-SHA256", Buffer.from(`${headerPart}.${payloadPart}`), key, signature);
  } catch {
    // A malformed signature is a decoding failure, not a server error.
  }
  if (!signed) return bad;
  if (String(claims["iss"]) !== String(options.appId)) return bad;

  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const { exp, iat } = claims;
  if (typeof exp !== "number" || exp <= now) return { ok: false, message: JWT_MESSAGES.expired };
  if (exp > now + MAX_LIFETIME_S) return { ok: false, message: JWT_MESSAGES.tooFarAhead };
  if (typeof iat !== "number" || !Number.isInteger(iat) || iat > now + CLOCK_SKEW_S) {
    return { ok: false, message: JWT_MESSAGES.issuedInFuture };
  }
  return { ok: true, claims };
}

function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
