import { chmod, mkdir, mkdtemp, readFile, readlink, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bwrapSandbox, SANDBOX_HOME } from "../../../../src/worker/execution/sandbox/bwrap-sandbox.js";
import { findRootOnly } from "../../../../src/worker/execution/sandbox/find-root-only.js";
import type { SandboxConfig, SandboxStep } from "../../../../src/worker/execution/sandbox/sandbox.js";

let base: string;
let workspace: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), "gantry-bwrap-"));
  workspace = join(base, "data", "workspaces", "run-1");
  await mkdir(workspace, { recursive: true });
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

/** Runs `command` in the sandbox as the runner would, returning what it printed (stderr too) and its exit code. */
async function inside(config: Partial<SandboxConfig>, command: string, step: Partial<SandboxStep> = {}) {
  const sandbox = bwrapSandbox({ mode: "bwrap", bind: [], hide: [], ...config });
  const wrapped = sandbox.wrap({ command, workspace, env: { PATH: "/usr/bin:/bin" }, network: "host", ...step });
  const result = await execa(wrapped.file, wrapped.args, { cwd: wrapped.cwd, env: wrapped.env, extendEnv: false, reject: false, all: true, stdin: "ignore" });
  return { output: result.all ?? "", exitCode: result.exitCode };
}

describe("bwrapSandbox", () => {
  it("binds the run's home at $HOME when given: what one step leaves there the next one sees, and it is on the host", async () => {
    const home = join(base, "data", "workspaces", "run-1.home");
    await mkdir(home);
    const first = await inside({}, 'mkdir -p "$HOME/.cache-test" && echo kept > "$HOME/.cache-test/v" && echo "$HOME"', { home });
    expect(first).toEqual({ output: SANDBOX_HOME, exitCode: 0 });
    const second = await inside({}, 'cat "$HOME/.cache-test/v"', { home });
    expect(second).toEqual({ output: "kept", exitCode: 0 });
    expect(await readFile(join(home, ".cache-test", "v"), "utf8")).toBe("kept\n");
    // without one, each step's home is empty
    expect(await inside({}, 'ls -A "$HOME" | wc -l')).toEqual({ output: "0", exitCode: 0 });
  });

  it("puts the environment in the process's environment, never on bwrap's command line, with a private HOME and TMPDIR", () => {
    const wrapped = bwrapSandbox({ mode: "bwrap", bind: [], hide: [] }).wrap({ command: "true", workspace, env: { TOKEN: "s3cr3t-value", HOME: "/root" }, network: "host" });
    expect(wrapped.args.join(" ")).not.toContain("s3cr3t-value");
    expect(wrapped.args).not.toContain("--setenv");
    expect(wrapped.env).toEqual({ TOKEN: "s3cr3t-value", HOME: SANDBOX_HOME, TMPDIR: "/tmp" });
    expect(wrapped).toMatchObject({ file: "/usr/bin/bwrap", cwd: workspace, launcher: true });
  });

  it("runs as a non-root user without capabilities, in its own PID namespace, with empty writable /tmp and HOME", async () => {
    await writeFile(join(tmpdir(), `gantry-host-tmp-${process.pid}`), "host");
    try {
      const { output, exitCode } = await inside({}, `id -u; grep CapEff /proc/self/status; ls /proc | grep -cE '^[0-9]+$'; ls -A /tmp | grep -v '^${base.split("/")[2]}$' | wc -l; ls -A "$HOME" | wc -l; touch /tmp/t "$HOME/h"; echo "$HOME $TMPDIR"`);
      expect(exitCode, output).toBe(0);
      const [uid, caps, pids, tmpEntries, homeEntries, dirs] = output.split("\n");
      expect(uid).toBe("1000");
      expect(caps).toMatch(/CapEff:\s+0+$/);
      // sh, ls, grep (and bwrap's own init): nothing of the host
      expect(Number(pids)).toBeLessThan(6);
      expect(tmpEntries).toBe("0");
      expect(homeEntries).toBe("0");
      expect(dirs).toBe(`${SANDBOX_HOME} /tmp`);
    } finally {
      await rm(join(tmpdir(), `gantry-host-tmp-${process.pid}`), { force: true });
    }
  });

  it("makes the workspace the only writable host path, at its own path; the system directories are read-only", async () => {
    const { output, exitCode } = await inside({}, `pwd; echo made > made.txt; touch /etc/gantry-test 2>&1 || echo "etc refused"; touch /usr/gantry-test 2>&1 || echo "usr refused"; echo "[end]"`);
    expect(exitCode, output).toBe(0);
    expect(output).toMatch(new RegExp(`^${workspace}\\n[^]*etc refused\\n[^]*usr refused\\n\\[end\\]$`));
    expect(existsSync(join(workspace, "made.txt"))).toBe(true);
    expect(existsSync("/etc/gantry-test") || existsSync("/usr/gantry-test")).toBe(false);
  });

  it("recreates the host's top-level symlinks (a merged /usr)", async () => {
    const links = [];
    for (const path of ["/bin", "/lib", "/sbin"]) links.push(await readlink(path).catch(() => "-"));
    const { output } = await inside({}, `for p in /bin /lib /sbin; do readlink $p || echo -; done`);
    expect(output.split("\n")).toEqual(links);
  });

  it("shows only the allowlist: an operator's bind is seen read-only, what is not bound is not there", async () => {
    const shared = join(base, "shared");
    await mkdir(shared);
    await writeFile(join(shared, "tool.txt"), "tool");
    const { output } = await inside({ bind: [shared] }, `cat ${shared}/tool.txt; echo; touch ${shared}/x 2>/dev/null || echo refused; ls /work /root /var 2>&1 | grep -c 'No such file'`);
    expect(output).toBe("tool\nrefused\n3");
  });

  it("hides what Settings.sandbox.hide names under a bound directory, but the run's own workspace bound on top (deepest rule wins)", async () => {
    await writeFile(join(base, "data", "store.db"), "every run");
    await mkdir(join(base, "data", "workspaces", "other-run"));
    await writeFile(join(base, "data", "workspaces", "other-run", "secret.txt"), "other");
    await writeFile(join(base, "key.pem"), "KEY");
    await writeFile(join(workspace, "mine.txt"), "mine");
    await writeFile(join(base, "extra.txt"), "extra");
    const { output } = await inside(
      { bind: [base], hide: [join(base, "data"), join(base, "key.pem")] },
      `ls -A ${base}/data; ls -A ${base}/data/workspaces; cat mine.txt; echo; cat ${base}/key.pem 2>/dev/null || echo "key hidden"; cat ${base}/extra.txt 2>/dev/null || echo "extra hidden"`,
      // the step's own hide list (the lead passes the secrets' files here)
      { hide: [join(base, "extra.txt")] },
    );
    expect(output).toBe("workspaces\nrun-1\nmine\nkey hidden\nextra hidden");
  });

  it("binds the step's read-only directories (its mirror) at their own paths under a hidden data directory; the step cannot write there", async () => {
    const mirror = join(base, "data", "mirrors", "42");
    await mkdir(join(mirror, "objects"), { recursive: true });
    await writeFile(join(mirror, "objects", "pack.txt"), "objects");
    await mkdir(join(base, "data", "mirrors", "43"));
    await writeFile(join(base, "data", "mirrors", "43", "other.txt"), "other repository");
    const step = { readOnly: [mirror] };
    const args = bwrapSandbox({ mode: "bwrap", bind: [base], hide: [join(base, "data")] }).wrap({ command: "true", workspace, env: {}, network: "host", ...step }).args;
    const at = args.findIndex((arg, index) => arg === "--ro-bind" && args[index + 1] === mirror && args[index + 2] === mirror);
    // after the data directory's tmpfs, or the hide would cover it
    expect(at).toBeGreaterThan(args.findIndex((arg, index) => arg === "--tmpfs" && args[index + 1] === join(base, "data")));
    expect(args.some((arg, index) => arg === "--bind" && args[index + 1] === mirror)).toBe(false);
    const { output } = await inside(
      { bind: [base], hide: [join(base, "data")] },
      `cat ${mirror}/objects/pack.txt; echo; (echo poison > ${mirror}/objects/pack.txt) 2>/dev/null || echo "write refused"; touch ${mirror}/objects/new 2>/dev/null || echo "create refused"; ls -A ${base}/data/mirrors`,
      step,
    );
    expect(output).toBe("objects\nwrite refused\ncreate refused\n42");
    expect(await readFile(join(mirror, "objects", "pack.txt"), "utf8")).toBe("objects");
  });

  it("hides what other users cannot read under bound directories (the sandbox's uid is gantry's, as root root's, for files)", async () => {
    const shared = join(base, "shared");
    await mkdir(join(shared, "private"), { recursive: true });
    await writeFile(join(shared, "open.txt"), "open");
    await writeFile(join(shared, "shadow"), "root only");
    await chmod(join(shared, "shadow"), 0o600);
    await writeFile(join(shared, "private", "key"), "in a closed dir");
    await chmod(join(shared, "private"), 0o700);
    const { output } = await inside({ bind: [shared] }, `cat ${shared}/open.txt; echo; cat ${shared}/shadow 2>/dev/null || echo "shadow hidden"; ls -A ${shared}/private | wc -l; cat /etc/shadow 2>/dev/null || echo "etc/shadow hidden"`);
    expect(output).toBe("open\nshadow hidden\n0\netc/shadow hidden");
  });

  it("finds entries without o+r, not descending into them, skipping what is hidden anyway", async () => {
    const shared = join(base, "scan");
    await mkdir(join(shared, "closed", "deeper"), { recursive: true });
    await mkdir(join(shared, "skipped"));
    await writeFile(join(shared, "open"), "");
    await writeFile(join(shared, "closed-file"), "");
    await writeFile(join(shared, "skipped", "closed"), "");
    await chmod(join(shared, "closed-file"), 0o640);
    await chmod(join(shared, "skipped", "closed"), 0o600);
    await chmod(join(shared, "closed"), 0o750);
    expect(findRootOnly([shared], [join(shared, "skipped")]).sort()).toEqual([join(shared, "closed"), join(shared, "closed-file")]);
  });
});
