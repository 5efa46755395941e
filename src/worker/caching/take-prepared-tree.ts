import { rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { PREPARED_NAME } from "./cache-layout.js";

/**
 * Moves the entry folder's prepared tree to `to` (removed first) in one rename, so no other run or process can
 * take it too. `none`: there is none; `elsewhere`: it is on another file system than `to`, where no rename reaches
 * (it stays, and the caller unpacks the archive).
 */
export async function takePreparedTree(dir: string, to: string): Promise<"taken" | "none" | "elsewhere"> {
  await rm(to, { recursive: true, force: true });
  try {
    await rename(join(dir, PREPARED_NAME), to);
    return "taken";
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return "none";
    if (code === "EXDEV") return "elsewhere";
    throw error;
  }
}
