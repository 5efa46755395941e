import { lstat, readdir } from "node:fs/promises";
import { join, posix } from "node:path";
import picomatch from "picomatch";
import { compileGlobs } from "../../planning/compile-globs.js";
import { MAX_REPORT_FILES, MAX_WALK_ENTRIES } from "./report-limits.js";

export interface FoundReports {
  /** Regular files matching the globs, relative to the workspace, sorted; at most MAX_REPORT_FILES. */
  files: string[];
  /** Matches that were not taken, and why ("reports/x.xml: a symbolic link; not followed"). */
  problems: string[];
}

/**
 * The report files of a workspace that hostile code wrote. The walk starts at each glob's fixed prefix, reached
 * through real directories only, and never follows a symbolic link: readdir's entry types are the links'
 * own. `.git` is not entered.
 */
export async function findReportFiles(workspace: string, globs: readonly string[]): Promise<FoundReports> {
  const patterns = globs.map((glob) => glob.replace(/^(!?)(?:\.\/)+/, "$1"));
  const matches = compileGlobs(patterns);
  const files: string[] = [];
  const problems: string[] = [];
  let entries = 0;
  let stopped = false;

  const consider = (path: string, kind: "file" | "link" | "other") => {
    if (!matches(path)) return;
    if (kind === "file") files.push(path);
    else problems.push(`${path}: ${kind === "link" ? "a symbolic link; not followed" : "not a regular file; not read"}`);
  };

  for (const start of startingPoints(patterns)) {
    const { kind: reached, path: at } = await reach(workspace, start);
    if (reached === "link") problems.push(`${at}: a symbolic link; not followed`);
    if (reached !== "dir") {
      if (reached === "file" || reached === "other") consider(start, reached);
      continue;
    }
    const pending = [start];
    while (pending.length > 0 && !stopped) {
      const dir = pending.pop()!;
      const listed = await readdir(join(workspace, dir), { withFileTypes: true }).catch(() => []);
      listed.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
      for (const entry of listed) {
        if (++entries > MAX_WALK_ENTRIES) {
          stopped = true;
          break;
        }
        const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
        if (entry.isDirectory()) {
          if (entry.name !== ".git") pending.push(path);
        } else {
          consider(path, entry.isFile() ? "file" : entry.isSymbolicLink() ? "link" : "other");
        }
      }
    }
  }
  problems.sort();
  if (stopped) problems.push(`stopped looking for report files after ${MAX_WALK_ENTRIES.toLocaleString("en-US")} entries of the checkout; use globs that start with a directory`);
  const unique = [...new Set(files)].sort();
  if (unique.length > MAX_REPORT_FILES) {
    problems.push(`${unique.length - MAX_REPORT_FILES} more report files matched; only the first ${MAX_REPORT_FILES} were read`);
  }
  return { files: unique.slice(0, MAX_REPORT_FILES), problems };
}

/**
 * Where to walk from: each positive glob's fixed leading directories (`reports/**\/*.xml` → `reports`), or the
 * glob itself when it has no wildcard; "" is the workspace. A start inside another is left out.
 */
function startingPoints(patterns: readonly string[]): string[] {
  const starts = new Set<string>();
  for (const pattern of patterns) {
    if (pattern.startsWith("!")) continue;
    const scan = picomatch.scan(pattern);
    // an escaped character in the prefix is a wildcard character meant literally: walk from before it
    const segments = scan.base.split("/");
    const escaped = segments.findIndex((segment) => segment.includes("\\"));
    const fixed = escaped < 0 ? segments : segments.slice(0, escaped);
    starts.add(posix.normalize(fixed.join("/") || ".").replace(/^\.$/, ""));
  }
  const sorted = [...starts].sort((a, b) => a.length - b.length);
  return sorted.filter((start, i) => !sorted.slice(0, i).some((outer) => outer === "" || start === outer || start.startsWith(`${outer}/`)));
}

type Reached = { kind: "dir" | "file" | "link" | "other" | "missing"; path: string };

/** What `path` is, reached from the workspace through real directories only; a link on the way is where it stops. */
async function reach(workspace: string, path: string): Promise<Reached> {
  const parts = path === "" ? [] : path.split("/");
  for (let i = 0; i <= parts.length; i++) {
    const at = parts.slice(0, i).join("/");
    const stats = await lstat(join(workspace, at)).catch(() => null);
    if (stats === null) return { kind: "missing", path: at };
    const last = i === parts.length;
    if (stats.isSymbolicLink()) return { kind: "link", path: at };
    if (!stats.isDirectory()) return { kind: last ? (stats.isFile() ? "file" : "other") : "missing", path: at };
  }
  return { kind: "dir", path };
}
