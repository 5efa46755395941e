/**
 * Whether a process of this host holds `pid`, as far as signal 0 can tell: a pid taken since by another process
 * counts as alive (callers that must tell them apart keep a token or a start time beside the pid). Pid 0 and
 * negative ones address process groups: never a gantry process.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: there, but another user's
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
