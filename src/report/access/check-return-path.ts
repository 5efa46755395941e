/** Longest return path taken: a run's page and a sub-path of it fit easily. */
const MAX_RETURN_CHARS = 200;
const RUN_PAGE = /^\/runs\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:\/[A-Za-z0-9._~-]+)*\/?$/;

/**
 * Where a finished sign-in may send the viewer: a run's page (or a path under it) on this server, and the run it
 * names; null for anything else. Only letters, digits and `._~-` between single slashes, so no `//host`, no
 * backslash, no scheme, no `..`, no encoded tricks can make it leave the server.
 */
export function checkReturnPath(raw: string | null | undefined): { path: string; runId: string } | null {
  if (typeof raw !== "string" || raw.length > MAX_RETURN_CHARS) return null;
  const match = RUN_PAGE.exec(raw);
  if (!match || raw.split("/").some((segment) => segment === "." || segment === "..")) return null;
  return { path: raw, runId: match[1]! };
}
