/** The App's OAuth client (GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET). */
export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}
