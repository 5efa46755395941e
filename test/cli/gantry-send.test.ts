import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { verify } from "@octokit/webhooks-methods";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initRepo, type Repo } from "../helpers/git-repo.js";

const BIN = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
const exec = promisify(execFile);

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let root: string;
let repo: Repo;
let server: Server;
let url: string;
const received: Received[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "gantry-send-"));
  repo = await initRepo({ bareDir: join(root, "sample.git") });
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(202, { "content-type": "application/json" }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await repo?.cleanup();
  await rm(root, { recursive: true, force: true });
});

describe("gantry send", () => {
  it("builds a push payload for HEAD, signs it like GitHub and prints the answer", async () => {
    const first = await repo.commit({ "a.txt": "1", "b.txt": "2" }, "First");
    const sha = await repo.commit({ "a.txt": "changed", "b.txt": null, "c.txt": "3" }, "Second commit\n\nwith body", { name: "Ada Lovelace", email: "ada@example.com" });
    const { stdout } = await exec(process.execPath, [BIN, "send", "--url", url, "--secret", "s3cret", "--installation", "77", "--dir", repo.workDir]);
    expect(stdout).toMatch(/^202 \(delivery [0-9a-f-]{36}\)\n\{"ok":true\}\n$/);
    const last = received.at(-1)!;
    expect(last.headers["x-github-event"]).toBe("push");
    expect(await verify("s3cret", last.body, String(last.headers["x-hub-signature-256"]))).toBe(true);
    const payload = JSON.parse(last.body);
    expect(payload).toMatchObject({
      ref: "refs/heads/main",
      before: first,
      after: sha,
      deleted: false,
      installation: { id: 77 },
      head_commit: { id: sha, message: "Second commit\n\nwith body", author: { name: "Ada Lovelace", email: "ada@example.com" } },
    });
    expect(payload.commits[0]).toMatchObject({ added: ["c.txt"], removed: ["b.txt"], modified: ["a.txt"] });
  });

  it("sends a payload file byte for byte with the given event", async () => {
    const file = join(root, "ping.json");
    await writeFile(file, '{"zen":"Design for failure."}');
    const { stdout } = await exec(process.execPath, [BIN, "send", file, "--event", "ping", "--url", url, "--secret", "x"]);
    expect(stdout).toMatch(/^202 /);
    expect(received.at(-1)!.body).toBe('{"zen":"Design for failure."}');
    expect(received.at(-1)!.headers["x-github-event"]).toBe("ping");
  });

  it("explains a missing option", async () => {
    const error = await exec(process.execPath, [BIN, "send", "--url", url]).catch((e: { code: number; stderr: string }) => e);
    expect(error).toMatchObject({ code: 2 });
    expect((error as { stderr: string }).stderr).toContain("send needs --url and --secret");
  });
});
