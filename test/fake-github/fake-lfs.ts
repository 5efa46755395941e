import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody } from "./http-util.js";

/** What a test commits in place of an LFS file, with the object the fake serves for it. */
export interface LfsObject {
  oid: string;
  size: number;
  /** The pointer file's content (Git LFS spec v1). */
  pointer: string;
}

/** One request the download host answered. */
export interface LfsDownload {
  oid: string;
  /** Every Authorization header the request carried (none, as the batch's own header is not an Authorization). */
  authorization: string[];
  status: number;
}

const LFS_JSON = "application/vnd.git-lfs+json";
const OBJECT_PATH = /^\/lfs-objects\/([0-9a-f]{64})$/;
/** The header each download action carries, as GitHub's storage URLs carry their own signature instead of the token. */
const KEY_HEADER = "x-fake-lfs-key";

/**
 * The LFS batch API of the fake (answered under each repository's git URL, after the same token check as git)
 * and a download host of its own on another port, as GitHub sends downloads to another host: the token sent to
 * the batch API must never reach it.
 */
export class FakeLfs {
  readonly downloads: LfsDownload[] = [];
  private readonly objects = new Map<string, Map<string, Buffer>>();
  private readonly keys = new Map<string, string>();
  private host: Promise<{ server: Server; url: string }> | undefined;

  async put(repoKey: string, content: string | Uint8Array): Promise<LfsObject> {
    const bytes = Buffer.from(content);
    const oid = createHash("sha256").update(bytes).digest("hex");
    const stored = this.objects.get(repoKey) ?? new Map<string, Buffer>();
    stored.set(oid, bytes);
    this.objects.set(repoKey, stored);
    await this.downloadHost();
    return { oid, size: bytes.length, pointer: `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${bytes.length}\n` };
  }

  /** `POST …/info/lfs/objects/batch`, already authorized for `repoKey`: download actions only. Returns the status. */
  async batch(req: IncomingMessage, res: ServerResponse, repoKey: string): Promise<number> {
    const body = JSON.parse((await readBody(req)).toString("utf8") || "{}") as { operation?: string; objects?: { oid: string; size: number }[] };
    if (req.method !== "POST" || body.operation !== "download" || !Array.isArray(body.objects)) {
      return reply(res, 422, { message: "only download batches are served" });
    }
    const { url } = await this.downloadHost();
    const stored = this.objects.get(repoKey);
    const objects = body.objects.map(({ oid, size }) => {
      const content = stored?.get(oid);
      if (!content) return { oid, size, error: { code: 404, message: "Object does not exist" } };
      const key = randomBytes(12).toString("hex");
      this.keys.set(key, oid);
      return { oid, size: content.length, authenticated: true, actions: { download: { href: `${url}/lfs-objects/${oid}`, header: { [KEY_HEADER]: key }, expires_in: 3600 } } };
    });
    return reply(res, 200, { transfer: "basic", objects });
  }

  async close(): Promise<void> {
    const host = await this.host;
    if (!host) return;
    await new Promise<void>((resolve) => {
      host.server.close(() => resolve());
      host.server.closeAllConnections();
    });
  }

  private downloadHost(): Promise<{ server: Server; url: string }> {
    this.host ??= new Promise((resolve, reject) => {
      const server = createServer((req, res) => this.serve(req, res));
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
    });
    return this.host;
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    const oid = OBJECT_PATH.exec(req.url ?? "")?.[1];
    const authorization: string[] = [];
    for (let index = 0; index + 1 < req.rawHeaders.length; index += 2) {
      if (req.rawHeaders[index]?.toLowerCase() === "authorization") authorization.push(req.rawHeaders[index + 1] ?? "");
    }
    const key = req.headers[KEY_HEADER];
    const content = oid ? [...this.objects.values()].map((stored) => stored.get(oid)).find((found) => found) : undefined;
    const status = !oid || !content ? 404 : typeof key === "string" && this.keys.get(key) === oid ? 200 : 403;
    this.downloads.push({ oid: oid ?? "", authorization, status });
    res.writeHead(status, { "content-type": "application/octet-stream" });
    res.end(status === 200 ? content : undefined);
  }
}

function reply(res: ServerResponse, status: number, json: unknown): number {
  res.writeHead(status, { "content-type": LFS_JSON });
  res.end(JSON.stringify(json));
  return status;
}
