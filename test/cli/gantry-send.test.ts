import { execFile, spawn } from "node:child_process";
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

interface Hook {
  url: string;
  port: number;
  received: Received[];
  close: () => Promise<void>;
}

/** A receiver answering each request with the next status of `statuses` (the last one repeats); `null` never answers. */
async function startHook(statuses: (number | null)[], port = 0): Promise<Hook> {
  const hits: Received[] = [];
  const hook = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      hits.push({ headers: req.headers, body });
      const status = statuses[Math.min(hits.length, statuses.length) - 1]!;
      if (status !== null) res.writeHead(status, { "content-type": "application/json" }).end(`{"status":${status}}`);
    });
  });
  await new Promise<void>((r) => hook.listen(port, "127.0.0.1", r));
  const bound = (hook.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}/hook`,
    port: bound,
    received: hits,
    close: () => {
      hook.closeAllConnections();
      return new Promise((r) => hook.close(() => r()));
    },
  };
}

/** Runs `gantry send` with a payload file; `onStderr` sees stderr as it grows. */
function send(args: string[], onStderr: (text: string) => void = () => {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, "send", join(root, "retried.json"), "--secret", "s3cret", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
    onStderr(stderr);
  });
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

describe("gantry send retries like a webhook publisher", () => {
  const FAST = ["--backoff", "0.05"];
  beforeAll(() => writeFile(join(root, "retried.json"), '{"zen":"Keep it logically awesome."}'));

  it("retries 5xx answers with the same delivery id and signed bytes, and succeeds", async () => {
    const hook = await startHook([503, 503, 202]);
    try {
      const { code, stdout, stderr } = await send(["--url", hook.url, ...FAST]);
      expect(code).toBe(0);
      expect(hook.received).toHaveLength(3);
      const [first, ...others] = hook.received;
      for (const other of others) {
        expect(other.headers["x-github-delivery"]).toBe(first!.headers["x-github-delivery"]);
        expect(other.headers["x-hub-signature-256"]).toBe(first!.headers["x-hub-signature-256"]);
        expect(other.body).toBe(first!.body);
      }
      expect(await verify("s3cret", first!.body, String(first!.headers["x-hub-signature-256"]))).toBe(true);
      expect(stderr).toMatch(/^attempt 1\/4: 503 Service Unavailable; retrying in \d+\.\d s\nattempt 2\/4: 503 Service Unavailable; retrying in \d+\.\d s\nattempt 3\/4: 202 Accepted\n$/);
      expect(stdout).toBe(`202 (delivery ${first!.headers["x-github-delivery"]})\n{"status":202}\n`);
    } finally {
      await hook.close();
    }
  });

  it("retries while the receiver is not listening yet", async () => {
    const probe = await startHook([202]);
    const port = probe.port;
    await probe.close();
    let hook: Hook | undefined;
    let starting: Promise<Hook> | undefined;
    try {
      const result = await send(["--url", `http://127.0.0.1:${port}/hook`, "--retries", "8", "--backoff", "0.2"], (text) => {
        // the receiver comes up once the first attempt has been refused
        if (starting === undefined && text.includes("attempt 1/9: connection refused")) starting = startHook([202], port).then((h) => (hook = h));
      });
      await starting;
      expect(result.stderr).toMatch(/^attempt 1\/9: connection refused \(connect ECONNREFUSED 127\.0\.0\.1:\d+\); retrying in/);
      expect(result.stderr).toMatch(/attempt \d\/9: 202 Accepted\n$/);
      expect(result.code).toBe(0);
      expect(hook!.received).toHaveLength(1);
    } finally {
      await hook?.close();
    }
  });

  it("retries an attempt that gets no answer within --timeout", async () => {
    const hook = await startHook([null, 202]);
    try {
      const { code, stderr } = await send(["--url", hook.url, "--timeout", "0.5", ...FAST]);
      expect(stderr).toMatch(/^attempt 1\/4: no answer within 0\.5 s; retrying in \d+\.\d s\nattempt 2\/4: 202 Accepted\n$/);
      expect(code).toBe(0);
      expect(hook.received.map((r) => r.headers["x-github-delivery"])).toEqual([hook.received[0]!.headers["x-github-delivery"], hook.received[0]!.headers["x-github-delivery"]]);
    } finally {
      await hook.close();
    }
  });

  it("takes a 4xx answer as final: one attempt, non-zero exit", async () => {
    const hook = await startHook([400, 202]);
    try {
      const { code, stdout, stderr } = await send(["--url", hook.url, ...FAST]);
      expect(code).toBe(1);
      expect(hook.received).toHaveLength(1);
      expect(stderr).toBe("attempt 1/4: 400 Bad Request; not retried (only 5xx answers are)\n");
      expect(stdout).toMatch(/^400 \(delivery [0-9a-f-]{36}\)\n\{"status":400\}\n$/);
    } finally {
      await hook.close();
    }
  });

  it("prints every attempt and exits non-zero when all fail", async () => {
    const hook = await startHook([503, 500, 502]);
    try {
      const { code, stdout, stderr } = await send(["--url", hook.url, "--retries", "2", ...FAST]);
      expect(code).toBe(1);
      expect(hook.received).toHaveLength(3);
      expect(stderr.split("\n").filter(Boolean)).toEqual([
        expect.stringMatching(/^attempt 1\/3: 503 Service Unavailable; retrying in/),
        expect.stringMatching(/^attempt 2\/3: 500 Internal Server Error; retrying in/),
        "attempt 3/3: 502 Bad Gateway; giving up after 3 attempts",
      ]);
      expect(stdout).toMatch(/^502 /);
    } finally {
      await hook.close();
    }
    // and with nobody listening at all
    const refused = await send(["--url", hook.url, "--retries", "1", ...FAST]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^attempt 1\/2: connection refused .*; retrying in .*\nattempt 2\/2: connection refused .*; giving up after 2 attempts\ngantry send: no attempt got an answer \(delivery [0-9a-f-]{36}\)\n$/);
  });

  it("refuses a bad --retries, --timeout or --backoff", async () => {
    for (const [option, value] of [["--retries", "1.5"], ["--timeout", "0"], ["--backoff", "soon"]] as const) {
      const { code, stderr } = await send(["--url", url, option, value]);
      expect(code).toBe(2);
      expect(stderr).toContain(`${option} "${value}" is not`);
    }
  });
});
