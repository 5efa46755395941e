import { spawn } from "node:child_process";

/** A run keeps at most this many of its commit's paths (some 10 MB of memory); a bigger repository is cut there. */
export const MAX_REPOSITORY_FILES = 100_000;

export interface RepositoryFiles {
  /** Paths of the commit's files, relative to the repository root, with `/` between folders. */
  paths: ReadonlySet<string>;
  /** false: the commit has more files than the limit, so a path missing from `paths` may still be one of them. */
  complete: boolean;
}

/**
 * The files of the commit checked out in `dir` (`git ls-tree` of HEAD), or of `commit` in the repository `dir` (a
 * mirror), read with gantry's own git: in a workspace right after the checkout and before any step ran, since a step
 * may plant options in `.git/config` (core.fsmonitor, …) that make git run code; in a mirror, which steps see
 * read-only, at any time. null when git fails.
 */
export async function listRepositoryFiles(dir: string, options: { commit?: string; limit?: number; timeoutMs?: number } = {}): Promise<RepositoryFiles | null> {
  const limit = options.limit ?? MAX_REPOSITORY_FILES;
  const child = spawn("git", ["ls-tree", "-r", "-z", "--name-only", "--full-tree", options.commit ?? "HEAD"], {
    cwd: dir,
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", GIT_TERMINAL_PROMPT: "0", GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" },
    stdio: ["ignore", "pipe", "ignore"],
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  const paths = new Set<string>();
  let complete = true;
  let rest: Buffer = Buffer.alloc(0);
  const exited = new Promise<number | null>((resolve) => {
    child.on("error", () => resolve(null));
    child.on("close", (code) => resolve(code));
  });
  child.stdout.on("data", (chunk: Buffer) => {
    if (!complete) return;
    let bytes = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
    let nul: number;
    while ((nul = bytes.indexOf(0)) !== -1) {
      if (paths.size >= limit) {
        complete = false;
        child.kill("SIGKILL");
        return;
      }
      paths.add(bytes.toString("utf8", 0, nul));
      bytes = bytes.subarray(nul + 1);
    }
    rest = Buffer.from(bytes);
  });
  const code = await exited;
  clearTimeout(timer);
  if (complete && code !== 0) return null;
  return { paths, complete };
}
