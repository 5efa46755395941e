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
    private: repo.private,
    owner: accountJson(repo.owner, ownerId, urls),
    html_url: repo.htmlUrl,
    url: `${urls.apiUrl}/repos/${repo.fullName}`,
    clone_url: repo.cloneUrl,
    default_branch: repo.defaultBranch,
  };
}

/** `GET /repos/{owner}/{repo}`'s full repository, as seen by a user with `permissions`. */
export function fullRepositoryJson(
  repo: HostedRepo,
  ownerId: number,
  urls: Urls,
  permissions: { admin: boolean; maintain: boolean; push: boolean; triage: boolean; pull: boolean },
): Record<string, unknown> {
  const api = `${urls.apiUrl}/repos/${repo.fullName}`;
  const templated = Object.fromEntries(
    [
      ["archive_url", "/{archive_format}{/ref}"],
      ["assignees_url", "/assignees{/user}"],
      ["blobs_url", "/git/blobs{/sha}"],
      ["branches_url", "/branches{/branch}"],
      ["collaborators_url", "/collaborators{/collaborator}"],
      ["comments_url", "/comments{/number}"],
      ["commits_url", "/commits{/sha}"],
      ["compare_url", "/compare/{base}...{head}"],
      ["contents_url", "/contents/{+path}"],
      ["contributors_url", "/contributors"],
      ["deployments_url", "/deployments"],
      ["downloads_url", "/downloads"],
      ["events_url", "/events"],
      ["forks_url", "/forks"],
      ["git_commits_url", "/git/commits{/sha}"],
      ["git_refs_url", "/git/refs{/sha}"],
      ["git_tags_url", "/git/tags{/sha}"],
      ["hooks_url", "/hooks"],
      ["issue_comment_url", "/issues/comments{/number}"],
      ["issue_events_url", "/issues/events{/number}"],
      ["issues_url", "/issues{/number}"],
      ["keys_url", "/keys{/key_id}"],
      ["labels_url", "/labels{/name}"],
      ["languages_url", "/languages"],
      ["merges_url", "/merges"],
      ["milestones_url", "/milestones{/number}"],
      ["notifications_url", "/notifications{?since,all,participating}"],
      ["pulls_url", "/pulls{/number}"],
      ["releases_url", "/releases{/id}"],
      ["stargazers_url", "/stargazers"],
      ["statuses_url", "/statuses/{sha}"],
      ["subscribers_url", "/subscribers"],
      ["subscription_url", "/subscription"],
      ["tags_url", "/tags"],
      ["teams_url", "/teams"],
      ["trees_url", "/git/trees{/sha}"],
    ].map(([name, suffix]) => [name as string, `${api}${suffix as string}`]),
  );
  return {
    ...repositoryJson(repo, ownerId, urls),
    ...templated,
    private: repo.private,
    visibility: repo.private ? "private" : "public",
    description: null,
    fork: false,
    git_url: `git://${new URL(urls.webUrl).host}/${repo.fullName}.git`,
    ssh_url: `git@${new URL(urls.webUrl).hostname}:${repo.fullName}.git`,
    svn_url: repo.htmlUrl,
    mirror_url: null,
    homepage: null,
    language: null,
    forks_count: 0,
    forks: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: 0,
    open_issues_count: 0,
    open_issues: 0,
    has_issues: true,
    has_projects: true,
    has_wiki: true,
    has_pages: false,
    has_discussions: false,
    archived: false,
    disabled: false,
    license: null,
    pushed_at: CREATED_AT,
    created_at: CREATED_AT,
    updated_at: CREATED_AT,
    subscribers_count: 0,
    network_count: 0,
    permissions,
  };
}

/** `GET /user`'s private user: the account a user token belongs to. */
export function privateUserJson(login: string, id: number, urls: Urls): Record<string, unknown> {
  return {
    ...accountJson(login, id, urls, "User"),
    name: login,
    company: null,
    blog: "",
    location: null,
    email: null,
    hireable: null,
    bio: null,
    public_repos: 0,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: CREATED_AT,
    updated_at: CREATED_AT,
    private_gists: 0,
    total_private_repos: 0,
    owned_private_repos: 0,
    disk_usage: 0,
    collaborators: 0,
    two_factor_authentication: false,
  };
}
