/** The random `state` of a sign-in under way, with the page to return to (signed; Path=/auth). */
export const STATE_COOKIE = "gantry_oauth_state";
export const STATE_COOKIE_PATH = "/auth";
/** A sign-in is finished within this, or started again. */
export const STATE_TTL_MS = 10 * 60 * 1000;
/** GitHub's answer for one viewer and one repository: `${ACCESS_COOKIE_PREFIX}${repositoryId}` (signed; Path=/runs). */
export const ACCESS_COOKIE_PREFIX = "gantry_access_";
export const ACCESS_COOKIE_PATH = "/runs";
/** How long GitHub's answer is trusted: a viewer whose access was taken away keeps it at most this long. */
export const ACCESS_TTL_MS = 5 * 60 * 1000;
export const LOGIN_PATH = "/auth/github/login";
export const CALLBACK_PATH = "/auth/github/callback";
