import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ProbotOctokit } from "probot";
import { afterEach, describe, expect, it } from "vitest";
import { describeGitHubError } from "../../src/github/describe-github-error.js";

let server: Server | null = null;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = null;
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<number> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** The error a real Octokit request to `baseUrl` fails with, without Octokit's retries. */
async function failure(baseUrl: string): Promise<unknown> {
  const octokit = new ProbotOctokit({ baseUrl, retry: { enabled: false }, throttle: { enabled: false } });
  return octokit.request("POST /app/installations/{id}/access_tokens", { id: 7 }).then(
    () => new Error("no failure"),
    (error: unknown) => error,
  );
}

describe("describeGitHubError", () => {
  it("names the network error's code and the host when GitHub gave no answer (Octokit says 500)", async () => {
    const port = await listen(() => {});
    await new Promise((resolve) => server!.close(resolve));
    server = null;
    const error = await failure(`http://127.0.0.1:${port}/api/v3`);
    expect((error as { status?: number }).status).toBe(500);
    expect(describeGitHubError(error)).toBe(`GitHub unreachable: ECONNREFUSED from 127.0.0.1:${port} (POST /api/v3/app/installations/7/access_tokens)`);
  });

  it("says what GitHub answered when it did answer", async () => {
    const port = await listen((_request, response) => response.writeHead(502, { "content-type": "application/json" }).end('{"message":"Bad gateway"}'));
    const error = await failure(`http://127.0.0.1:${port}`);
    expect(describeGitHubError(error)).toBe("GitHub answered 502 to POST /app/installations/7/access_tokens");
  });

  it("leaves other errors' codes alone: a file's ENOENT is not GitHub being unreachable", () => {
    const error = Object.assign(new Error("ENOENT: no such file or directory, open 'x'"), { code: "ENOENT" });
    expect(describeGitHubError(error)).toBe("ENOENT: no such file or directory, open 'x'");
  });
});
