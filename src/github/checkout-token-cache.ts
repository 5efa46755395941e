/** A token is handed out only while it stays valid this much longer: git's fetch must not outlive it. */
export const CHECKOUT_TOKEN_MARGIN_MS = 10 * 60_000;

export interface IssuedToken {
  token: string;
  /** Epoch ms, as GitHub's `expires_at` says. */
  expiresAt: number;
}

/**
 * Checkout tokens reused per installation and repository while they stay valid for the margin: asking GitHub for
 * one was a round trip on every run's path to its first step. Concurrent asks for the same key share one request;
 * a failed request is not kept. Tokens stay in this process's memory only (never logged, never given to a step).
 */
export function cacheCheckoutTokens(
  issue: (installationId: number, repo: string) => Promise<IssuedToken>,
  now: () => number = Date.now,
): (installationId: number, repo: string) => Promise<string> {
  const tokens = new Map<string, Promise<IssuedToken>>();
  return async (installationId, repo) => {
    // GitHub's repository names are case-insensitive: one token serves every spelling
    const key = `${installationId}/${repo.toLowerCase()}`;
    const cached = tokens.get(key);
    if (cached) {
      const issued = await cached.catch(() => null);
      if (issued && issued.expiresAt - now() > CHECKOUT_TOKEN_MARGIN_MS) return issued.token;
      // another caller may already have replaced it while this one waited
      if (tokens.get(key) !== cached) return (await tokens.get(key)!).token;
    }
    const request = issue(installationId, repo);
    tokens.set(key, request);
    request.catch(() => {
      if (tokens.get(key) === request) tokens.delete(key);
    });
    return (await request).token;
  };
}
