import { randomUUID } from "node:crypto";
import { existsSync, readlinkSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPrivateRedis } from "../helpers/redis.js";
import { eventually } from "../helpers/eventually.js";
import { processesWithEnv } from "../helpers/processes-with-env.js";
import { createAppKey } from "../fake-github/app-key.js";
import { startApp } from "../helpers/start-app.js";
import { SECRET, startStack, type Stack } from "./stack.js";

/**
 * A step attacks the host: gantry's secrets, the key file, the data dir, another repository's workspace, writing
 * outside its workspace, daemons that outlive it, killing gantry, the network. Each attack runs under the default
 * sandbox (where it must fail) and with GANTRY_SANDBOX=off (where it must succeed: proof the test can fail).
 * A step prints `LEAK <what>` when an attack worked and `SAFE <what>` when it did not.
 */

const modes = ["bwrap", "off"] as const;

interface Attack {
  stack: Stack;
  keyDir: string;
  tag: string;
  marker: string;
  outputs: Map<string, string>;
  runIds: Map<string, string>;
  appCwd: string;
}

/** A line for each process whose environment holds the app's tag: gantry's own, and nobody else's on this machine. */
const gantryPids = (tag: string) => `for e in /proc/[0-9]*/environ; do if tr '\\0' '\\n' < "$e" 2>/dev/null | grep -qx "GANTRY_TEST_TAG=${tag}"; then p=\${e#/proc/}; echo \${p%/environ}; fi; done`;

function attackerConfig(mode: (typeof modes)[number], a: { keyPath: string; tag: string; marker: string; fakeHost: string }): string {
  const data = `DATA=$(dirname "$(dirname "$GANTRY_WORKSPACE")")`;
  const fetchFake = (name: string) => `node -e "fetch('http://${a.fakeHost}/').then(() => console.log('LEAK ${name}'), () => console.log('SAFE ${name}'))"`;
  const pipelines: Record<string, { steps: string; network?: string }> = {
    environ: {
      steps: `for f in /proc/[0-9]*/environ; do tr '\\0' '\\n' < "$f" 2>/dev/null || true; done | grep -q "^WEBHOOK_SECRET=${SECRET}$" && echo "LEAK environ" || echo "SAFE environ"`,
    },
    keyfile: { steps: `cat ${a.keyPath} 2>/dev/null | grep -q "BEGIN" && echo "LEAK keyfile" || echo "SAFE keyfile"` },
    datadir: {
      steps: [
        data,
        `head -c 15 "$DATA/gantry.db" 2>/dev/null | grep -q "SQLite format" && echo "LEAK store" || echo "SAFE store"`,
        `ls "$DATA/logs" 2>/dev/null | grep -q . && echo "LEAK logs" || echo "SAFE logs"`,
      ].join("\n"),
    },
    workspace: {
      steps: [
        data,
        `cat "$DATA"/workspaces/*/marker.txt 2>/dev/null | grep -q "${a.marker}" && echo "LEAK workspace-path" || echo "SAFE workspace-path"`,
        `for d in /proc/[0-9]*/cwd; do cat "$d/marker.txt" 2>/dev/null || true; done | grep -q "${a.marker}" && echo "LEAK workspace-proc" || echo "SAFE workspace-proc"`,
      ].join("\n"),
    },
    write: {
      // gantry's working directory through /proc (only gantry's own: other processes here are not ours to touch)
      steps: [
        data,
        `touch "$DATA/pwned-${a.tag}" 2>/dev/null || true`,
        `touch "/tmp/pwned-${a.tag}" 2>/dev/null || true`,
        `for p in $(${gantryPids(a.tag)}); do touch "/proc/$p/cwd/pwned-${a.tag}" 2>/dev/null || true; done`,
        `echo wrote`,
      ].join("\n"),
    },
    daemons: {
      steps: [
        `echo "RUNID $GANTRY_RUN_ID"`,
        `setsid sleep 300 >/dev/null 2>&1 < /dev/null &`,
        `(sh -c 'sleep 301 >/dev/null 2>&1 < /dev/null &' &)`,
        `sleep 0.3`,
        `echo started`,
      ].join("\n"),
    },
    "network-none": { steps: fetchFake("network-none"), network: "none" },
    "network-host": { steps: fetchFake("network-host") },
  };
  if (mode === "bwrap") {
    pipelines["kill"] = {
      // kill -1 is every process the step may signal; unsandboxed it would be every process of this machine's root
      steps: [`kill -9 -1 2>/dev/null || true`, `for p in $(${gantryPids(a.tag)}); do kill -9 $p; done`, `echo "SAFE kill"`].join("\n"),
    };
    pipelines["build"] = {
      steps: [
        `git log --format="commit %s" -1`,
        `git init -q /tmp/scratch && echo "git init ok"`,
        `node -e "console.log('node says', 6 * 7)"`,
        `echo hi > "$HOME/h" && echo "home ok $HOME"`,
        `echo hi > /tmp/t && echo "tmp ok"`,
        `mkdir /tmp/p && cd /tmp/p && npm init -y > /dev/null && npm install --no-audit --no-fund is-number 2>&1 | tail -3`,
        `cd /tmp/p && node -e "console.log('is-number says', require('is-number')(5))"`,
      ].join("\n"),
    };
  }
  return yamlOf(pipelines);
}

function yamlOf(pipelines: Record<string, { steps: string; network?: string }>): string {
  const lines = ["pipelines:"];
  for (const [name, { steps, network }] of Object.entries(pipelines)) {
    lines.push(`  ${name}:`);
    if (network) lines.push(`    network: ${network}`);
    lines.push("    steps:", "      - run: |");
    for (const line of steps.split("\n")) lines.push(`          ${line}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Runs in the workspace until the test creates `release` there: a repository whose run is going on meanwhile. */
const holderConfig = (marker: string) => yamlOf({ hold: { steps: `echo "${marker}" > marker.txt\nwhile [ ! -e release ]; do sleep 0.1; done\necho released` } });

describe.each(modes)("a step attacking the host, GANTRY_SANDBOX=%s", (mode) => {
  const attack = {} as Attack;
  const sandboxed = mode === "bwrap";
  const expectLeak = (text: string | undefined, what: string) => expect(text, text).toContain(`${sandboxed ? "SAFE" : "LEAK"} ${what}`);

  beforeAll(async () => {
    attack.tag = randomUUID();
    attack.marker = `workspace-secret-${randomUUID()}`;
    attack.keyDir = await mkdtemp(join(tmpdir(), "gantry-sandbox-key-"));
    const keyPath = join(attack.keyDir, "app.pem");
    attack.stack = await startStack({ GANTRY_SANDBOX: mode, GANTRY_CONCURRENCY: "10", GANTRY_TEST_TAG: attack.tag }, { keyFile: keyPath });
    attack.appCwd = readlinkSync(`/proc/${attack.stack.app.process.pid}/cwd`);
    attack.outputs = new Map();
    attack.runIds = new Map();

    // one repository holds a run going on; the other attacks the host meanwhile, all its pipelines in one push
    const { stack } = attack;
    const holder = await stack.repo(`holder-${mode}`, { ".github/gantry.yml": holderConfig(attack.marker) });
    const held = await stack.push(holder, {});
    const heldWorkspace = await eventually("the holder's run going on", async () => {
      const running = stack.fake.checkRunsFor(holder.owner, holder.name).find((c) => c.head_sha === held.sha && c.status === "in_progress");
      return running ? findWorkspaceWith(stack.app.dataDir, attack.marker) : null;
    }, 30_000);
    const attacker = await stack.repo(`attacker-${mode}`, {
      ".github/gantry.yml": attackerConfig(mode, { keyPath, tag: attack.tag, marker: attack.marker, fakeHost: stack.fake.host }),
    });
    const { sha } = await stack.push(attacker, {});
    const names = ["environ", "keyfile", "datadir", "workspace", "write", "daemons", "network-none", "network-host", ...(sandboxed ? ["kill", "build"] : [])];
    for (const name of names) {
      const run = await stack.completed(attacker, sha, name, 90_000);
      attack.outputs.set(name, `${run.conclusion}\n${run.output.text ?? ""}`);
      // the step's output, not its name (the first line of its command)
      const id = /^RUNID ([0-9a-f-]{36})$/m.exec(run.output.text ?? "")?.[1];
      if (id) attack.runIds.set(name, id);
    }
    await writeFile(join(heldWorkspace, "release"), "");
    await stack.completed(holder, held.sha, "hold", 30_000);
  }, 240_000);

  afterAll(async () => {
    // unsandboxed, the daemons outlived their step: this test ends them
    for (const pid of processesWithEnv(`GANTRY_RUN_ID=${attack.runIds.get("daemons")}`)) process.kill(pid, "SIGKILL");
    await attack.stack?.stop();
    await rm(attack.keyDir, { recursive: true, force: true });
    await rm(join(tmpdir(), `pwned-${attack.tag}`), { force: true });
  });

  it(sandboxed ? "starts without a warning about the sandbox" : "warns at start-up what an unsandboxed step can reach", () => {
    const warned = attack.stack.app.output().includes("GANTRY_SANDBOX=off: steps run as gantry's own user");
    expect(warned).toBe(!sandboxed);
    if (!sandboxed) for (const what of ["/proc", "key file", "data directory", "kill gantry"]) expect(attack.stack.app.output()).toContain(what);
  });

  it("(1) cannot read gantry's environment (WEBHOOK_SECRET) from /proc/*/environ", () => {
    expectLeak(attack.outputs.get("environ"), "environ");
  });

  it("(2) cannot read the App's key file", () => {
    expectLeak(attack.outputs.get("keyfile"), "keyfile");
  });

  it("(3) cannot read the data dir: the store, other runs' logs", () => {
    expectLeak(attack.outputs.get("datadir"), "store");
    expectLeak(attack.outputs.get("datadir"), "logs");
  });

  it("(4) cannot read another repository's running workspace, by path or through /proc/*/cwd", () => {
    expectLeak(attack.outputs.get("workspace"), "workspace-path");
    expectLeak(attack.outputs.get("workspace"), "workspace-proc");
  });

  it("(5) cannot write outside its workspace: the data dir, gantry's working directory, the host's /tmp", () => {
    expect(attack.outputs.get("write")).toMatch(/^success\n/);
    const written = [join(attack.stack.app.dataDir, `pwned-${attack.tag}`), join(attack.appCwd, `pwned-${attack.tag}`), join(tmpdir(), `pwned-${attack.tag}`)];
    expect(written.map((path) => existsSync(path))).toEqual(written.map(() => !sandboxed));
  });

  it("(6) leaves no setsid or double-fork daemon running after its step", async () => {
    const runId = attack.runIds.get("daemons");
    expect(runId, attack.outputs.get("daemons")).toBeDefined();
    if (sandboxed) await eventually("no process of the run left", async () => processesWithEnv(`GANTRY_RUN_ID=${runId}`).length === 0, 5_000);
    else expect(processesWithEnv(`GANTRY_RUN_ID=${runId}`).length).toBeGreaterThan(0);
  });

  it("(8) with network: none cannot reach the fake GitHub on 127.0.0.1, with the host's network can", () => {
    expectLeak(attack.outputs.get("network-none"), "network-none");
    expect(attack.outputs.get("network-host")).toContain("LEAK network-host");
  });

  it.runIf(sandboxed)("(7) cannot kill gantry: the run completes and gantry is still alive", () => {
    expect(attack.outputs.get("kill")).toMatch(/^success\n[^]*SAFE kill/);
    expect(attack.stack.app.process.exitCode).toBe(null);
    expect(attack.stack.app.process.signalCode).toBe(null);
  });

  it.runIf(!sandboxed)("(7) unsandboxed, a step kills gantry", async () => {
    // last: gantry does not survive it
    const victim = await attack.stack.repo("killer", { ".github/gantry.yml": yamlOf({ kill: { steps: `for p in $(${gantryPids(attack.tag)}); do kill -9 $p; done` } }) });
    await attack.stack.push(victim, {});
    await eventually("gantry killed by a step", async () => attack.stack.app.process.signalCode === "SIGKILL", 30_000);
  });

  it.runIf(sandboxed)("runs an ordinary build inside: git, node, npm install from the registry, $HOME and /tmp", () => {
    const text = attack.outputs.get("build")!;
    expect(text).toMatch(/^success\n/);
    for (const line of ["commit change ", "git init ok", "node says 42", "home ok /home/gantry", "tmp ok", "is-number says true"]) expect(text).toContain(line);
  });
});

/** The host path of the workspace whose marker.txt holds `marker`, once it is there. */
async function findWorkspaceWith(dataDir: string, marker: string): Promise<string | null> {
  const { readdir, readFile } = await import("node:fs/promises");
  for (const name of await readdir(join(dataDir, "workspaces")).catch(() => [])) {
    const text = await readFile(join(dataDir, "workspaces", name, "marker.txt"), "utf8").catch(() => "");
    if (text.includes(marker)) return join(dataDir, "workspaces", name);
  }
  return null;
}


describe("start-up with GANTRY_SANDBOX=bwrap and no working bwrap", () => {
  it("refuses to start, saying how to install bubblewrap or opt out", async () => {
    const empty = await mkdtemp(join(tmpdir(), "gantry-no-bwrap-"));
    try {
      const { privateKey } = createAppKey();
      // no bwrap on gantry's PATH (node is started by its absolute path)
      const started = startApp({ APP_ID: "1", PRIVATE_KEY: privateKey, WEBHOOK_SECRET: SECRET, PATH: empty });
      const error = await started.then(
        async (app) => {
          await app.stop();
          return null;
        },
        (failure: unknown) => failure as Error,
      );
      expect(error?.message).toContain("app exited with 1 before listening");
      for (const part of ["gantry: GANTRY_SANDBOX=bwrap (the default): bubblewrap cannot run a step here (bwrap is not installed (not found in PATH))", "apt-get install bubblewrap", "dnf install bubblewrap", "GANTRY_SANDBOX=off"]) {
        expect(error?.message).toContain(part);
      }
      // a SettingsError: one line, no stack
      expect(error?.message).not.toMatch(/\n\s+at /);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it("stops a `gantry worker` too, though it has connected to Redis by then", async () => {
    const empty = await mkdtemp(join(tmpdir(), "gantry-no-bwrap-"));
    const redis = await startPrivateRedis();
    try {
      const { privateKey } = createAppKey();
      const error = await startApp({ APP_ID: "1", PRIVATE_KEY: privateKey, REDIS_URL: redis.url, PATH: empty }, { role: "worker" }).then(
        async (app) => {
          await app.stop();
          return null;
        },
        (failure: unknown) => failure as Error,
      );
      expect(error?.message).toContain("app exited with 2 before listening");
      expect(error?.message).toContain("bubblewrap cannot run a step here");
    } finally {
      await redis.stop();
      await rm(empty, { recursive: true, force: true });
    }
  });
});
