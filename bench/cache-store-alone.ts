import { execFile } from "node:child_process";
import { mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { openCacheStore } from "../src/worker/caching/open-cache-store.js";

const run = promisify(execFile);

export interface StoreAloneResult {
  /** openCacheStore's save of `paths` (compressed archive bytes) and restore into empty roots, ms. */
  saveMs: number;
  restoreMs: number;
  archiveBytes: number;
  /** The same trees with GNU tar (gzip -1), and copied with `cp -a`: what writing those files costs at least. */
  gnuTarCreateMs: number;
  gnuTarExtractMs: number;
  gnuTarBytes: number;
  copyMs: number;
  /** node_modules alone through the store (what an exact hit needs: npm is not run then). */
  nodeModulesOnly: { saveMs: number; restoreMs: number; archiveBytes: number };
}

/**
 * The cache store by itself, on the by-hand clone's trees after its `npm ci` (`workspace/node_modules`,
 * `home/.npm`): how long the archive takes to write and to unpack, outside gantry, beside GNU tar and cp.
 */
export async function measureStoreAlone(roots: { workspace: string; home: string }, scratch: string): Promise<StoreAloneResult> {
  const dir = join(scratch, "store-alone");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
    const started = performance.now();
    const value = await work();
    return [value, performance.now() - started];
  };
  const throughStore = async (name: string, paths: string[]) => {
    const store = openCacheStore({ root: join(dir, `${name}-caches`), maxBytes: 10 * 2 ** 30, repositoryMaxBytes: 10 * 2 ** 30 });
    const request = { repositoryId: 1, scope: "refs/heads/main", key: name, paths };
    const [saved, saveMs] = await timed(() => store.save(request, roots));
    if (saved.outcome !== "saved") throw new Error(`store alone: save ${saved.outcome}: ${"reason" in saved ? saved.reason : ""}`);
    const found = await store.find({ repositoryId: 1, scopes: ["refs/heads/main"], key: name, restoreKeys: [] });
    const into = { workspace: join(dir, `${name}-workspace`), home: join(dir, `${name}-home`) };
    mkdirSync(into.workspace, { recursive: true });
    mkdirSync(into.home, { recursive: true });
    const [, restoreMs] = await timed(() => store.restore(found!.entry, into));
    rmSync(into.workspace, { recursive: true, force: true });
    rmSync(into.home, { recursive: true, force: true });
    return { saveMs, restoreMs, archiveBytes: saved.sizeBytes };
  };
  const both = await throughStore("both", ["~/.npm", "node_modules"]);
  const nodeModulesOnly = await throughStore("node-modules", ["node_modules"]);

  const tgz = join(dir, "gnu.tgz");
  const tarArgs = ["-C", roots.workspace, "node_modules", "-C", roots.home, ".npm"];
  const [, gnuTarCreateMs] = await timed(() => run("sh", ["-c", 'tar -cf - "$@" | gzip -1 > "$0"', tgz, ...tarArgs]));
  const out = join(dir, "gnu-out");
  mkdirSync(out);
  const [, gnuTarExtractMs] = await timed(() => run("tar", ["-xzf", tgz, "-C", out]));
  const copy = join(dir, "copy");
  mkdirSync(copy);
  const [, copyMs] = await timed(() => run("cp", ["-a", join(roots.workspace, "node_modules"), join(roots.home, ".npm"), copy]));
  const gnuTarBytes = statSync(tgz).size;
  rmSync(dir, { recursive: true, force: true });
  return { ...both, gnuTarCreateMs, gnuTarExtractMs, gnuTarBytes, copyMs, nodeModulesOnly };
}
