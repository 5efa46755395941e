import type { IncomingMessage } from "node:http";
import { z } from "zod";
import { ACCESS_COOKIE_PREFIX } from "./cookie-names.js";
import { openToken } from "./open-token.js";
import { readCookies } from "./read-cookies.js";

export const AccessClaim = z.object({
  u: z.number().int().describe("the GitHub user's id"),
  l: z.string().max(100).describe("the GitHub user's login, for the page to say who is signed in"),
  r: z.number().int().describe("the repository's GitHub id"),
  a: z.boolean().describe("GitHub said the user may read the repository"),
  exp: z.number().describe("epoch ms after which GitHub is asked again"),
});
export type AccessClaim = z.infer<typeof AccessClaim>;

/** What a valid, unexpired access cookie for `repositoryId` says; null when there is none or it does not hold. */
export function readAccessCookie(request: IncomingMessage, key: Buffer, repositoryId: number, now = Date.now()): AccessClaim | null {
  const payload = openToken(key, readCookies(request).get(`${ACCESS_COOKIE_PREFIX}${repositoryId}`), now);
  const claim = AccessClaim.safeParse(payload);
  // the name says which repository, but only the signed content counts
  return claim.success && claim.data.r === repositoryId ? claim.data : null;
}
