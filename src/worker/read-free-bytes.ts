import { statfs } from "node:fs/promises";

/** Bytes an unprivileged process may still write on the file system holding `dir`. */
export async function readFreeBytes(dir: string): Promise<number> {
  const stats = await statfs(dir);
  return stats.bavail * stats.bsize;
}
