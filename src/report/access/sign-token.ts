import { createHmac } from "node:crypto";

/** `base64url(JSON).base64url(HMAC-SHA256)`: readable by anyone, changeable by no one without the key. */
export function signToken(key: Buffer, payload: { exp: number } & Record<string, unknown>): string {
  const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
  return `${body}.${createHmac("sha256", key).update(body).digest("base64url")}`;
}
