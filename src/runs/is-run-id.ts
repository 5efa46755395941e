/** The ids runs get (newRun: a UUID). A name under logs/ or workspaces/ that is not one is not gantry's. */
const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isRunId(name: string): boolean {
  return RUN_ID.test(name);
}
