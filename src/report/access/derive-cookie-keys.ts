import { hkdfSync } from "node:crypto";

export interface CookieKeys {
  state: Buffer;
  access: Buffer;
}

/**
 * HMAC keys for the sign-in cookies, derived (HKDF-SHA256) from the App's client secret: every node of a
 * deployment has that secret, so they all agree without sharing a key file, and a new secret voids old cookies.
 * One key per cookie, so a state cookie can never pass for an access cookie.
 */
export function deriveCookieKeys(clientSecret: string): CookieKeys {
  const derive = (purpose: string) => Buffer.from(hkdfSync("sha256", clientSecret, "gantry run page", `gantry ${purpose} cookie v1`, 32));
  return { state: derive("oauth state"), access: derive("run access") };
}
