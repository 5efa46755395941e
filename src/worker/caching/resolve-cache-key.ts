import { createHash } from "node:crypto";
import { realpath } from "node:fs/promises";
import { parseCacheKey } from "../../config/parse-cache-key.js";
import { findReportFiles } from "../reports/find-report-files.js";
import { openReportFile } from "../reports/open-report-file.js";

/** GitHub's limit on a cache key. */
export const MAX_RESOLVED_KEY_CHARS = 512;

export type ResolvedCacheKey =
  /** `skipped`: files a hashFiles glob matched that were not hashed (links, hard links, files too big), and why. */
  | { ok: true; key: string; skipped: string[] }
  | { ok: false; problem: string };

/**
 * A key template resolved in the checkout, after it: `{{ os }}` is linux, `{{ arch }}` node's process.arch, and
 * `{{ hashFiles … }}` GitHub's hash — the sha256 of each matching file's sha256, in sorted path order, "" when none
 * match. The files are found and opened the way JUnit reports are: inside the checkout only, no link followed.
 */
export async function resolveCacheKey(template: string, workspace: string): Promise<ResolvedCacheKey> {
  const parsed = parseCacheKey(template);
  if (!parsed.ok) return { ok: false, problem: `${JSON.stringify(template)} ${parsed.problem}` };
  let key = "";
  const skipped: string[] = [];
  for (const part of parsed.parts) {
    if (part.kind === "text") key += part.text;
    else if (part.kind === "os") key += "linux";
    else if (part.kind === "arch") key += process.arch;
    else {
      const hashed = await hashFiles(workspace, part.globs);
      if (!hashed.ok) return hashed;
      skipped.push(...hashed.skipped);
      key += hashed.hash;
    }
  }
  if (key.length > MAX_RESOLVED_KEY_CHARS) return { ok: false, problem: `the key is ${key.length} characters long, more than ${MAX_RESOLVED_KEY_CHARS}` };
  if (key.includes(",")) return { ok: false, problem: "the key has a comma" };
  if (key.trim() === "") return { ok: false, problem: "the key is empty" };
  return { ok: true, key, skipped };
}

async function hashFiles(workspace: string, globs: readonly string[]): Promise<{ ok: true; hash: string; skipped: string[] } | { ok: false; problem: string }> {
  const real = await realpath(workspace);
  const found = await findReportFiles(workspace, globs);
  // a hash over only some of the files would be a key that does not change when the others do
  const cut = found.problems.find((problem) => / more report files matched| stopped looking /.test(problem));
  if (cut) return { ok: false, problem: `hashFiles ${globs.map((glob) => JSON.stringify(glob)).join(" ")}: ${cut.replace("report files", "files")}` };
  const skipped = [...found.problems];
  const result = createHash("sha256");
  let matched = 0;
  for (const path of found.files) {
    const opened = await openReportFile(workspace, real, path);
    if (!opened.ok) {
      skipped.push(`${path}: ${opened.problem}`);
      continue;
    }
    try {
      const file = createHash("sha256");
      for await (const chunk of opened.handle.createReadStream({ autoClose: false })) file.update(chunk as Buffer);
      result.update(file.digest());
      matched++;
    } finally {
      await opened.handle.close();
    }
  }
  return { ok: true, hash: matched === 0 ? "" : result.digest("hex"), skipped };
}
