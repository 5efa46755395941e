import { exchangeWebFlowCode } from "@octokit/oauth-methods";
import { request } from "@octokit/request";

/** How long one call to GitHub may take while a viewer waits on the sign-in redirect. */
export const OAUTH_REQUEST_TIMEOUT_MS = 10_000;

/**
 * Exchanges the code of GitHub's web flow for the signed-in user's token (a GitHub App's user-to-server token).
 * The OAuth endpoints live on the web host: @octokit/oauth-methods derives it from the API base (api.github.com
 * → github.com, `<host>/api/v3` → `<host>`). Throws a RequestError when GitHub refuses the code.
 */
export async function exchangeOAuthCode(options: {
  apiBaseUrl: string;
  clientId: string;
  clientSecret: string;
  code: string;
  redirectUrl: string;
}): Promise<string> {
  const { authentication } = await exchangeWebFlowCode({
    clientType: "github-app",
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    code: options.code,
    redirectUrl: options.redirectUrl,
    request: request.defaults({ baseUrl: options.apiBaseUrl, request: { signal: AbortSignal.timeout(OAUTH_REQUEST_TIMEOUT_MS) } }),
  });
  return authentication.token;
}
