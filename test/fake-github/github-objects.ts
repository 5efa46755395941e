import type { HostedRepo } from "./types.js";

// Builders for the GitHub objects the fake returns. They carry every field GitHub's OpenAPI marks
// required, so Octokit and code written against GitHub's types see plausible data.

const CREATED_AT = "2024-01-01T00:00:00Z";

export const DEFAULT_PERMISSIONS: Record<string, string> = { checks: "write", contents: "read", metadata: "read" };
export const APP_EVENTS = ["push", "check_run", "check_suite"];

export interface Urls {
  apiUrl: string;
  webUrl: string;
}

export function accountJson(login: string, id: number, urls: Urls, type: "User" | "Organization" | "Bot" = "Organization"): Record<string, unknown> {
  const api = `${urls.apiUrl}/users/${login}`;
  return {
    login,
    id,
    node_id: Buffer.from(`${type}${id}`).toString("base64"),
    avatar_url: `${urls.webUrl}/avatars/${login}`,
    gravatar_id: "",
    url: api,
    html_url: `${urls.webUrl}/${login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type,
    site_admin: false,
  };
}

export function appJson(appId: number, urls: Urls): Record<string, unknown> {
  return {
    id: appId,
    slug: "gantry",
    node_id: Buffer.from(`App${appId}`).toString("base64"),
    client_id: `Iv1.${appId.toString(16).padStart(16, "0")}`,
    owner: accountJson("gantry-dev", 1, urls),
    name: "Gantry",
    description: "CI pipelines on push (fake GitHub)",
    external_url: `${urls.webUrl}/gantry`,
    html_url: `${urls.webUrl}/apps/gantry`,
    created_at: CREATED_AT,
    updated_at: CREATED_AT,
    permissions: DEFAULT_PERMISSIONS,
    events: APP_EVENTS,
    installations_count: 1,
  };
}

export function installationJson(
  installationId: number,
  appId: number,
  account: { login: string; id: number },
  urls: Urls,
): Record<string, unknown> {
  return {
    id: installationId,
    account: accountJson(account.login, account.id, urls),
    repository_selection: "all",
    access_tokens_url: `${urls.apiUrl}/app/installations/${installationId}/access_tokens`,
    repositories_url: `${urls.apiUrl}/installation/repositories`,
    html_url: `${urls.webUrl}/settings/installations/${installationId}`,
    app_id: appId,
    app_slug: "gantry",
    client_id: `Iv1.${appId.toString(16).padStart(16, "0")}`,
    target_id: account.id,
    target_type: "Organization",
    permissions: DEFAULT_PERMISSIONS,
    events: APP_EVENTS,
    created_at: CREATED_AT,
    updated_at: CREATED_AT,
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    suspended_by: null,
    suspended_at: null,
  };
}

export function repositoryJson(repo: HostedRepo, ownerId: number, urls: Urls): Record<string, unknown> {
  return {
    id: repo.id,
    node_id: Buffer.from(`Repository${repo.id}`).toString("base64"),
    name: repo.name,
    full_name: repo.fullName,
    private: true,
    owner: accountJson(repo.owner, ownerId, urls),
    html_url: repo.htmlUrl,
    url: `${urls.apiUrl}/repos/${repo.fullName}`,
    clone_url: repo.cloneUrl,
    default_branch: repo.defaultBranch,
  };
}
