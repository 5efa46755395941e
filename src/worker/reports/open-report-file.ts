import { constants } from "node:fs";
import { open, readlink, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { MAX_REPORT_BYTES } from "./report-limits.js";

export type OpenedReport = { ok: true; handle: FileHandle; size: number } | { ok: false; problem: string };

// O_NOFOLLOW: a link put in the file's place fails with ELOOP; O_NONBLOCK: a FIFO opens without waiting for a writer.
const FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;

/**
 * Opens a report file that the walk found, checking what was opened rather than what the path looked like a
 * moment before (a step's leftover process may swap it): a regular file with no other name (a hard link could
 * be a file only gantry may read), within MAX_REPORT_BYTES, and, where /proc tells, really inside the workspace.
 */
export async function openReportFile(workspace: string, realWorkspace: string, path: string): Promise<OpenedReport> {
  let handle: FileHandle;
  try {
    handle = await open(join(workspace, path), FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, problem: code === "ELOOP" ? "a symbolic link; not followed" : `could not be opened (${code ?? "error"})` };
  }
  const refuse = async (problem: string): Promise<OpenedReport> => {
    await handle.close();
    return { ok: false, problem };
  };
  const stats = await handle.stat();
  if (!stats.isFile()) return refuse("not a regular file; not read");
  if (stats.nlink > 1) return refuse("a hard link (the file has other names); not read");
  if (stats.size > MAX_REPORT_BYTES) return refuse(`${mib(stats.size)}, more than the ${mib(MAX_REPORT_BYTES)} a report may have; not read`);
  const real = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => null);
  if (real !== null && !real.startsWith(`${realWorkspace}/`)) return refuse("outside the checkout; not read");
  return { ok: true, handle, size: stats.size };
}

export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 1).replace(/\.0+$/, "")} MiB`;
}
