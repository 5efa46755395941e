import { rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { PREPARED_NAME } from "./cache-layout.js";

/**
 * Moves the entry folder's prepared tree to `to` (removed first) in one rename, so no other run or process can
 * take it too; false when there is none, or it is on another file system than `to` (then it stays for a run
 * that can take it, and this one unpacks the archive).
 */
export async function takePreparedTree(dir: string, to: string): Promise<boolean> {
  await rm(to, { recursive: true, force: true });
  try {
    await rename(join(dir, PREPARED_NAME), to);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EXDEV") return false;
    throw error;
  }
}
