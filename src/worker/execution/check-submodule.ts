/** A submodule as the committed `.gitmodules` names it. */
export interface Submodule {
  name: string;
  path: string;
  url: string;
}

export type SubmoduleCheck = { ok: true; url: URL } | { ok: false; reason: string };

/**
 * Whether gantry fetches `submodule`, and from where: only from the scheme and host (with its port) of `parentUrl`,
 * which is what the installation token is for, so no URL of the repository's choosing gets the token or leads the
 * worker elsewhere (file://, ssh, `ext::` commands, another host). Relative URLs are resolved against `parentUrl` as
 * git does. Names and paths that git itself or a checkout could trip over (options, `..`, `.git`) are refused too.
 */
export function checkSubmodule(submodule: Submodule, parentUrl: string): SubmoduleCheck {
  const name = badName(submodule.name);
  if (name) return { ok: false, reason: `its name ${name}` };
  const path = badName(submodule.path);
  if (path) return { ok: false, reason: `its path ${path}` };
  let parent: URL;
  try {
    parent = new URL(parentUrl);
  } catch {
    return { ok: false, reason: "the repository is not fetched over http(s), so no submodule URL can be checked against it" };
  }
  const problem = badUrl(submodule.url);
  if (problem) return { ok: false, reason: `its URL ${problem}` };
  const resolved = resolveUrl(submodule.url, parent);
  if (typeof resolved === "string") return { ok: false, reason: `its URL ${resolved}` };
  if (resolved.protocol !== parent.protocol) return { ok: false, reason: `its URL is ${resolved.protocol.slice(0, -1)}, not ${parent.protocol.slice(0, -1)} like the repository` };
  if (resolved.host !== parent.host) return { ok: false, reason: `its URL is on ${resolved.host}, not on the repository's host ${parent.host}` };
  return { ok: true, url: resolved };
}

// eslint-disable-next-line no-control-regex -- control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

function badName(value: string): string | null {
  if (value === "") return "is empty";
  if (value.startsWith("-")) return "starts with '-'";
  if (CONTROL.test(value)) return "has a control character";
  if (value.includes("\\")) return "has a backslash";
  if (value.startsWith("/")) return "is absolute";
  for (const segment of value.split("/")) {
    if (segment === "" || segment === "." || segment === "..") return `has a ${JSON.stringify(segment)} segment`;
    // `.GIT` too: on a case-insensitive disk it is the same folder
    if (segment.toLowerCase() === ".git") return 'has a ".git" segment';
  }
  return null;
}

function badUrl(url: string): string | null {
  if (url === "") return "is empty";
  if (url.startsWith("-")) return "starts with '-'";
  if (CONTROL.test(url) || /\s/.test(url)) return "has a control or space character";
  if (url.includes("\\")) return "has a backslash";
  if (url.includes("::")) return "uses a remote helper (<transport>::<address>, e.g. ext::)";
  if (url.includes("?")) return "has a query";
  if (url.includes("#")) return "has a fragment";
  if (/^file:/i.test(url)) return "is a local file:// URL";
  if (/^(?:ssh|git\+ssh|ssh\+git):/i.test(url)) return "is an ssh URL";
  if (url.startsWith("./") || url.startsWith("../")) return null;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    // what git reads as `[user@]host:path` (scp-like ssh), or a path on the worker's disk
    return /^[^/]*:/.test(url) ? "is an scp-like ssh address (host:path)" : "is a local path";
  }
  return null;
}

/** `url` from `.gitmodules` as an absolute URL: `./x` below `parent`, each `../` one folder up (git's rule). */
function resolveUrl(url: string, parent: URL): URL | string {
  let absolute: URL;
  if (url.startsWith("./") || url.startsWith("../")) {
    const segments = parent.pathname.split("/").filter((segment) => segment !== "");
    let rest = url;
    for (;;) {
      if (rest.startsWith("./")) rest = rest.slice(2);
      else if (rest.startsWith("../")) {
        if (segments.length === 0) return "goes above the repository's host";
        segments.pop();
        rest = rest.slice(3);
      } else break;
    }
    if (rest.split("/").some((segment) => segment === "." || segment === "..")) return 'has a "." or ".." segment after its start';
    absolute = new URL(parent.href);
    absolute.pathname = `/${[...segments, rest].join("/")}`;
    absolute.search = "";
    absolute.hash = "";
    return absolute;
  }
  try {
    absolute = new URL(url);
  } catch {
    return "is not a URL";
  }
  if (absolute.username !== "" || absolute.password !== "") return "has credentials in it";
  return absolute;
}
