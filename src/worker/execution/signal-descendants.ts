import { readdirSync, readFileSync } from "node:fs";

/**
 * Signals every process descended from `pid` (not `pid` itself), found through /proc: for a launcher such as bwrap,
 * whose own death kills its sandbox at once, this is how what runs inside is asked to stop first.
 */
export function signalDescendants(pid: number, signal: NodeJS.Signals): number {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const parent = parentOf(name);
    if (parent === null) continue;
    const list = children.get(parent) ?? [];
    list.push(Number(name));
    children.set(parent, list);
  }
  let signalled = 0;
  const pending = [...(children.get(pid) ?? [])];
  while (pending.length > 0) {
    const next = pending.shift()!;
    pending.push(...(children.get(next) ?? []));
    try {
      process.kill(next, signal);
      signalled += 1;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
    }
  }
  return signalled;
}

function parentOf(pid: string): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so fields are counted after the last ")"
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[1]);
  } catch {
    return null; // it ended meanwhile
  }
}
