import { deriveCookieKeys } from "./derive-cookie-keys.js";
import { LOGIN_PATH } from "./cookie-names.js";
import { readAccessCookie } from "./read-access-cookie.js";
import type { OAuthClient } from "./oauth-client.js";
import type { RunAccess } from "../run-page/run-access.js";

/**
 * Who may see a run's log. A public repository's: anyone, as on GitHub. A private one's: a viewer whose signed
 * cookie says GitHub let them read it a few minutes ago; anyone else is sent to sign in with GitHub — when the
 * App's OAuth client and the public URL (GitHub's redirect back) are set, else nowhere: the page shows only the
 * run's state. Runs recorded before visibility was kept count as private, and without a repository id no
 * sign-in can vouch for them.
 */
export function createRunAccess(options: { oauth: OAuthClient | null; publicUrl: string | null }): RunAccess {
  const key = options.oauth && options.publicUrl ? deriveCookieKeys(options.oauth.clientSecret).access : null;
  return async (request, run) => {
    if (run.push.private === false) return { allowed: true };
    const repositoryId = run.push.repositoryId;
    if (key === null || !Number.isSafeInteger(repositoryId)) return { allowed: false, signInUrl: null };
    if (readAccessCookie(request, key, repositoryId)?.a === true) return { allowed: true };
    return { allowed: false, signInUrl: `${LOGIN_PATH}?return=${encodeURIComponent(`/runs/${run.id}`).replaceAll("%2F", "/")}` };
  };
}
