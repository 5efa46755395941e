import { accessSync, constants, existsSync, lstatSync, readlinkSync, realpathSync } from "node:fs";
import { delimiter, join, sep } from "node:path";
import { findRootOnly } from "./find-root-only.js";
import { isWithin } from "./is-within.js";
import type { Sandbox, SandboxConfig, SandboxStep } from "./sandbox.js";

/** The step's uid and gid inside: not root, whatever gantry runs as (its files map to gantry's user outside). */
const INNER_ID = "1000";
/** The step's private home: the run's home folder bound here (SandboxStep.home), or an empty tmpfs gone with the step. */
export const SANDBOX_HOME = "/home/gantry";
/** Where tools and libraries live (FHS): seen read-only. /usr holds shareable software, no host secrets. */
const SYSTEM_DIRS = ["/usr", "/etc", "/opt"];
/** Top-level directories that are often symlinks into /usr (a merged /usr): recreated as symlinks, else bound. */
const SYSTEM_LINKS = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

interface Mount {
  path: string;
  /** At one depth: binds first, then the workspace, then what is hidden; deeper rules always come later. */
  rank: 0 | 1 | 2;
  args: string[];
}

/**
 * Each step in a bubblewrap sandbox: new user, PID, IPC and UTS namespaces (and network with `network: none`), no
 * capabilities, a fresh /proc and minimal /dev, the system directories and the operator's binds read-only, the
 * workspace (and the files gantry made for the step to write) the only writable host paths, an empty /tmp and $HOME. The environment goes through execve, never argv.
 */
export function bwrapSandbox(config: SandboxConfig, options: { file?: string } = {}): Sandbox {
  // found on gantry's own PATH, once: a step's PATH (from its environment) says where its tools are, not bwrap
  const file = options.file ?? findOnPath("bwrap", process.env["PATH"] ?? "") ?? "bwrap";
  const system = systemMounts();
  const binds = config.bind.map(resolveExisting);
  const roots = [...system.dirs, ...binds];
  // The sandbox's uid and gid are gantry's own for file access (as root: root's, owner checks pass without any
  // capability), so what other users may not read must not be there at all. Not only as root: a file of gantry's
  // own user or group is as readable. /usr holds shareable software (FHS), and is too big to scan.
  const scanRoots = roots.filter((dir) => !isWithin(dir, "/usr"));
  const rootOnly = () => findRootOnly(scanRoots, config.hide.map(resolveExisting));
  return {
    kind: "bwrap",
    wrap(step: SandboxStep) {
      const mounts: Mount[] = [
        ...system.mounts,
        ...binds.map((dir): Mount => ({ path: dir, rank: 0, args: ["--ro-bind", dir, dir] })),
        { path: "/tmp", rank: 0, args: ["--tmpfs", "/tmp"] },
        // the run's own home, kept across its steps (restored caches are in it); else an empty one per step
        { path: SANDBOX_HOME, rank: 0, args: step.home ? ["--bind", step.home, SANDBOX_HOME] : ["--tmpfs", SANDBOX_HOME] },
        // below the workspace's rank: a mirror inside the data directory is seen, but stays read-only
        ...(step.readOnly ?? []).map(resolveExisting).map((dir): Mount => ({ path: dir, rank: 1, args: ["--ro-bind", dir, dir] })),
        { path: step.workspace, rank: 1, args: ["--bind", step.workspace, step.workspace] },
        ...(step.writable ?? []).map((file): Mount => ({ path: file, rank: 1, args: ["--bind", file, file] })),
      ];
      const visible = [...roots, step.workspace, ...(step.readOnly ?? []).map(resolveExisting)];
      for (const path of new Set([...config.hide, ...(step.hide ?? []), ...rootOnly()])) {
        const hidden = hideMount(path, visible);
        if (hidden) mounts.push(hidden);
      }
      mounts.sort((a, b) => depth(a.path) - depth(b.path) || a.rank - b.rank);
      const args = [
        "--unshare-user",
        "--uid", INNER_ID,
        "--gid", INNER_ID,
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--hostname", "gantry",
        ...(step.network === "none" ? ["--unshare-net"] : []),
        "--die-with-parent",
        "--new-session",
        "--cap-drop", "ALL",
        "--proc", "/proc",
        "--dev", "/dev",
        ...mounts.flatMap((mount) => mount.args),
        "--chdir", step.workspace,
        "--",
        "sh", "-e", "-c", step.command,
      ];
      return { file, args, env: { ...step.env, HOME: SANDBOX_HOME, TMPDIR: "/tmp" }, cwd: step.workspace, launcher: true };
    },
  };
}

/** The host's system directories as they are: real directories bound read-only, symlinks (/bin -> usr/bin) recreated. */
function systemMounts(): { dirs: string[]; mounts: Mount[] } {
  const dirs: string[] = [];
  const mounts: Mount[] = [];
  for (const path of [...SYSTEM_DIRS, ...SYSTEM_LINKS]) {
    const stat = lstatSync(path, { throwIfNoEntry: false });
    if (stat?.isSymbolicLink()) {
      mounts.push({ path, rank: 0, args: ["--symlink", readlinkSync(path), path] });
    } else if (stat?.isDirectory()) {
      dirs.push(path);
      mounts.push({ path, rank: 0, args: ["--ro-bind", path, path] });
    }
  }
  // systemd-resolved hosts link /etc/resolv.conf into /run, which is not bound: without its target, no DNS
  const resolv = resolveExisting("/etc/resolv.conf");
  if (existsSync(resolv) && !dirs.some((dir) => isWithin(resolv, dir))) mounts.push({ path: resolv, rank: 0, args: ["--ro-bind", resolv, resolv] });
  return { dirs, mounts };
}

/** An existing path under something the step sees, covered: a directory by an empty tmpfs, anything else by /dev/null. */
function hideMount(path: string, visible: readonly string[]): Mount | null {
  const real = resolveExisting(path);
  if (!existsSync(real) || !visible.some((root) => isWithin(real, root))) return null;
  const isDir = lstatSync(real).isDirectory();
  return { path: real, rank: 2, args: isDir ? ["--tmpfs", real] : ["--ro-bind", "/dev/null", real] };
}

/** Symlinks resolved, since bwrap mounts at the real path; a missing path as given (bwrap says it is missing). */
function resolveExisting(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function findOnPath(name: string, path: string): string | null {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

function depth(path: string): number {
  return path.split(sep).filter(Boolean).length;
}
