import { parseCidr } from "./parse-cidr.js";

/** /meta is small and anonymous; a GitHub that has not answered by then is down for this purpose. */
const TIMEOUT_MS = 15_000;

/**
 * GitHub's webhook source ranges: the `hooks` field of `GET /meta` (no authentication). Plain fetch rather than
 * the app's Octokit: start-up must learn at once that GitHub is unreachable, not after Octokit's retries.
 * Throws, saying what failed, unless the answer is a non-empty list of valid ranges.
 */
export async function fetchGitHubHooks(apiBaseUrl: string): Promise<string[]> {
  const url = `${apiBaseUrl}/meta`;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: "application/vnd.github+json", "user-agent": "gantry" },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new Error(`GET ${url} failed: ${describeFetchError(error)}`);
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new Error(`GitHub answered ${response.status} to GET ${url}`);
  }
  const meta = (await response.json().catch(() => null)) as { hooks?: unknown } | null;
  const hooks = meta?.hooks;
  if (!Array.isArray(hooks) || hooks.length === 0) {
    // GitHub Enterprise Server may list none: its operator knows the addresses and can list them instead
    throw new Error(`GET ${url} lists no webhook addresses (field "hooks"); set GANTRY_IP_ALLOWLIST to their CIDR ranges instead`);
  }
  const invalid = hooks.find((entry) => typeof entry !== "string" || parseCidr(entry) === null);
  if (invalid !== undefined) throw new Error(`GET ${url}: "hooks" has ${JSON.stringify(invalid).slice(0, 60)}, which is not a CIDR range`);
  return hooks as string[];
}

function describeFetchError(error: unknown): string {
  if (error instanceof Error && error.name === "TimeoutError") return `no answer within ${TIMEOUT_MS / 1000} s`;
  // undici puts the network error (ECONNREFUSED, ENOTFOUND, …) in `cause`
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const code = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
  return String(code);
}
