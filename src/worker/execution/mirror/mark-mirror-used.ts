import { mkdir, utimes, writeFile } from "node:fs/promises";
import { mirrorStamps } from "./mirror-stamps.js";

/** Under the mirror's lock, at a checkout of `sha`: the mirror and the commit's ref (none: the mirror alone) were used now (pruneMirrors keeps both). */
export async function markMirrorUsed(mirror: string, sha: string | null, now = Date.now()): Promise<void> {
  const stamps = mirrorStamps(mirror);
  await mkdir(stamps.dir, { recursive: true });
  for (const path of sha === null ? [stamps.mirror] : [stamps.ref(sha), stamps.mirror]) {
    await writeFile(path, "");
    await utimes(path, now / 1000, now / 1000);
  }
}
