/** Signals a whole process group, so that what a step started in the background goes with it. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    // ESRCH: the group is already gone, which is what we wanted
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}
