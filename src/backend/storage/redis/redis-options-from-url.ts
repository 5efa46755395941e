import type { RedisOptions } from "ioredis";

/**
 * Connection options from a `redis://` or `rediss://` URL (`redis://user:password@host:port/db`), for code
 * that takes options rather than a client: BullMQ opens its own connections from them.
 */
export function redisOptionsFromUrl(url: string): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`gantry: Redis URL "${redact(url)}" is not a URL; expected redis://host:port or rediss://host:port`);
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new Error(`gantry: Redis URL "${redact(url)}" has protocol "${parsed.protocol}"; expected redis: or rediss:`);
  }
  const path = parsed.pathname.replace(/^\//, "");
  const db = path === "" ? 0 : Number(path);
  if (!Number.isInteger(db) || db < 0) {
    throw new Error(`gantry: Redis URL "${redact(url)}" names database "${path}"; expected a number such as /0`);
  }
  return {
    // URL keeps IPv6 hosts in brackets; sockets want them bare
    host: parsed.hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1",
    port: parsed.port === "" ? 6379 : Number(parsed.port),
    db,
    ...(parsed.username === "" ? {} : { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password === "" ? {} : { password: decodeURIComponent(parsed.password) }),
    ...(parsed.protocol === "rediss:" ? { tls: { servername: parsed.hostname } } : {}),
  };
}

// a URL in an error message ends up in logs: never with its password
function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@/]*@/, "$1***@");
}
