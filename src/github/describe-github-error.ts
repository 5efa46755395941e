import { RequestError } from "@octokit/request-error";

/** Longest message of GitHub's (or of anything else) that reaches a log line. */
const MESSAGE_LIMIT = 300;

export interface GitHubRequest {
  method: string;
  url: string;
}

/**
 * One line saying what failed in a call to GitHub. Octokit turns a request that got no answer at all (DNS,
 * refused connection, TLS, timeout) into a RequestError with status 500, which reads as GitHub's own error:
 * here it is named by the network error's code and the host that could not be reached instead.
 */
export function describeGitHubError(error: unknown, request?: GitHubRequest): string {
  const asked = request ?? (error instanceof RequestError ? error.request : undefined);
  const what = asked ? ` (${asked.method} ${pathOf(asked.url)})` : "";
  if (error instanceof RequestError && error.response) return `GitHub answered ${error.status} to ${asked!.method} ${pathOf(asked!.url)}`;
  // other errors have codes too (ENOENT of a file): only a request to GitHub can have been unanswered
  const code = error instanceof RequestError || request ? networkCode(error) : null;
  if (code) return `GitHub unreachable: ${code} from ${asked ? hostOf(asked.url) : "GitHub"}${what}`;
  if (error instanceof Error && error.name === "AbortError") return `request to GitHub aborted${what}`;
  const message = error instanceof Error ? error.message : String(error);
  return `${message.length > MESSAGE_LIMIT ? `${message.slice(0, MESSAGE_LIMIT)}…` : message}${error instanceof RequestError ? "" : what}`;
}

/** The system or undici error code somewhere in the cause chain (`ECONNREFUSED`, `ENOTFOUND`, `UND_ERR_…`). */
function networkCode(error: unknown, depth = 0): string | null {
  if (typeof error !== "object" || error === null || depth > 5) return null;
  if (error instanceof RequestError && error.response) return null;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && /^[A-Z][A-Z0-9_]+$/.test(code)) return code;
  // a host with several addresses fails as an AggregateError of one error per address
  for (const inner of (error as { errors?: unknown[] }).errors ?? []) {
    const found = networkCode(inner, depth + 1);
    if (found) return found;
  }
  return networkCode((error as { cause?: unknown }).cause, depth + 1);
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url.split("?")[0] ?? url;
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "GitHub";
  }
}
