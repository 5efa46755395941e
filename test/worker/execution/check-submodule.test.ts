import { describe, expect, it } from "vitest";
import { checkSubmodule } from "../../../src/worker/execution/check-submodule.js";

const CLONE = "https://github.example:8443/octo/app.git";
const check = (url: string, path = "vendor/lib", name = "lib") => {
  const result = checkSubmodule({ name, path, url }, CLONE);
  return result.ok ? result.url.href : result.reason;
};

/** Each case: check's arguments, and the URL it resolves to or why it refuses. */
function expectChecks(cases: Array<[Parameters<typeof check>, string]>): void {
  for (const [args, expected] of cases) expect(check(...args), args.join(" ")).toBe(expected);
}

describe("checkSubmodule", () => {
  it("resolves relative URLs against the repository's as git does, and takes absolute ones on its scheme and host", () => {
    expectChecks([
      [["../lib.git"], "https://github.example:8443/octo/lib.git"],
      [["../../other/lib.git"], "https://github.example:8443/other/lib.git"],
      [["./sub.git"], "https://github.example:8443/octo/app.git/sub.git"],
      [["https://github.example:8443/octo/lib"], "https://github.example:8443/octo/lib"],
    ]);
  });

  it("refuses URLs that leave the scheme or host, or could run or read anything on the worker", () => {
    expectChecks([
      [["https://github.example/octo/lib.git"], "its URL is on github.example, not on the repository's host github.example:8443"],
      [["https://evil.example:8443/octo/lib.git"], "its URL is on evil.example:8443, not on the repository's host github.example:8443"],
      [["http://github.example:8443/octo/lib.git"], "its URL is http, not https like the repository"],
      [["../../../lib.git"], "its URL goes above the repository's host"],
      [["file:///etc/repo.git"], "its URL is a local file:// URL"],
      [["/srv/repo.git"], "its URL is a local path"],
      [["ssh://git@github.example/octo/lib.git"], "its URL is an ssh URL"],
      [["git@github.example:octo/lib.git"], "its URL is an scp-like ssh address (host:path)"],
      [["ext::sh%20-c%20id"], "its URL uses a remote helper (<transport>::<address>, e.g. ext::)"],
      [["https://x-access-token:abc@github.example:8443/octo/lib.git"], "its URL has credentials in it"],
      [["https://github.example:8443/octo/lib.git?x=1"], "its URL has a query"],
      [["../lib.git#main"], "its URL has a fragment"],
      [["../lib/../../x.git"], 'its URL has a "." or ".." segment after its start'],
      [["-uhttps://github.example:8443/x"], "its URL starts with '-'"],
      [["https://github.example:8443/a\nb"], "its URL has a control or space character"],
    ]);
  });

  it("refuses names and paths git or the checkout could trip over", () => {
    expectChecks([
      [["../lib.git", "-evil"], "its path starts with '-'"],
      [["../lib.git", "/etc"], "its path is absolute"],
      [["../lib.git", "a/../../b"], 'its path has a ".." segment'],
      [["../lib.git", "a/./b"], 'its path has a "." segment'],
      [["../lib.git", "a//b"], 'its path has a "" segment'],
      [["../lib.git", "a/.GIT/hooks"], 'its path has a ".git" segment'],
      [["../lib.git", "a\\b"], "its path has a backslash"],
      [["../lib.git", "a\u0001b"], "its path has a control character"],
      [["../lib.git", "vendor/lib", "--upload-pack=x"], "its name starts with '-'"],
      [["../lib.git", "vendor/lib", "../../modules/x"], 'its name has a ".." segment'],
    ]);
  });

  it("checks nothing against a clone URL that is no URL (a local path)", () => {
    expect(checkSubmodule({ name: "lib", path: "lib", url: "../lib.git" }, "/srv/app.git")).toEqual({
      ok: false,
      reason: "the repository is not fetched over http(s), so no submodule URL can be checked against it",
    });
  });
});
