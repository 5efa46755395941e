import { execFile, execSync } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gitmodules } from "../helpers/commit-tree.js";
import { git, initRepo, type Repo } from "../helpers/git-repo.js";

const BIN = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
const run = promisify(execFile);
const execFileAsync = run;

let root: string;
let repo: Repo;

async function gantry(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { PATH: process.env["PATH"]!, HOME: root, ...env } });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "gantry-cli-"));
  repo = await initRepo({ bareDir: join(root, "sample.git") });
});
afterAll(async () => {
  await repo?.cleanup();
  await rm(root, { recursive: true, force: true });
});

const config = [
  "pipelines:",
  "  build:",
  "    steps:",
  "      - name: Compile",
  '        run: echo "compiling $GANTRY_SHA on $GANTRY_BRANCH"; ls',
  "      - name: Test",
  "        run: test -f app.txt",
  "  deploy:",
  "    needs: [build]",
  "    on: { branches: [main] }",
  "    steps:",
  "      - run: echo deploying",
  "",
].join("\n");

describe("gantry run", () => {
  it("plans and runs the working tree's config against HEAD, streams output and prints a table", async () => {
    const sha = await repo.commit({ ".github/gantry.yml": config, "app.txt": "hello" }, "Add app");
    const { code, out } = await gantry(["run", repo.workDir]);
    expect(code).toBe(0);
    expect(out).toContain(`compiling ${sha} on main`);
    expect(out).toContain("app.txt");
    expect(out).toContain("deploying");
    expect(out).toMatch(/build\s+Compile\s+✔ success\s+0/);
    // progress per step, in order with the steps' own output
    expect(out).toMatch(/app\.txt[\s\S]*✔ Compile: success in \d+ ms\n[\s\S]*==> Test\n✔ Test: success/);
    expect(out).toMatch(/deploy\s+echo deploying\s+✔ success/);
    expect(out.indexOf("deploying")).toBeGreaterThan(out.indexOf("compiling"));
  });

  it("exits non-zero when a step fails, and skips what needs it", async () => {
    await repo.commit({ "app.txt": null }, "Remove app");
    const { code, out } = await gantry(["run", repo.workDir]);
    expect(code).toBe(1);
    expect(out).toMatch(/build\s+Test\s+✖ failure\s+1/);
    expect(out).toMatch(/deploy\s+○ skipped/);
  });

  it("selects one pipeline and plans for another branch", async () => {
    const one = await gantry(["run", repo.workDir, "--pipeline", "deploy"]);
    expect(one.code).toBe(0);
    expect(one.out).not.toContain("compiling");
    const other = await gantry(["run", repo.workDir, "--pipeline", "deploy", "--branch", "feature"]);
    expect(other.code).toBe(2);
    expect(other.out).toContain('pipeline "deploy" does not run for refs/heads/feature');
    const unknown = await gantry(["run", repo.workDir, "--pipeline", "nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.out).toContain('--pipeline "nope" is not in .github/gantry.yml');
  });

  it("reports a broken config with file, line and column", async () => {
    await repo.commit({ ".github/gantry.yml": "pipelines:\n  build:\n    stepz: []\n" }, "Break config");
    const { code, out } = await gantry(["run", repo.workDir]);
    expect(code).toBe(2);
    expect(out).toMatch(/\.github\/gantry\.yml:3:5: .*stepz/);
  });
});

describe("gantry run with uncommitted changes", () => {
  let own: Repo;
  beforeAll(async () => {
    own = await initRepo({ bareDir: join(root, "uncommitted.git") });
  });
  afterAll(() => own?.cleanup());

  it("says in one line before running that tracked files' changes are not tested", async () => {
    const yml = "pipelines:\n  show:\n    steps:\n      - run: cat app.txt\n";
    const sha = await own.commit({ ".github/gantry.yml": yml, "app.txt": "committed\n", "lib.txt": "1\n" }, "Add app");
    const clean = await gantry(["run", own.workDir]);
    expect(clean.code).toBe(0);
    expect(clean.out).not.toContain("uncommitted");

    await writeFile(join(own.workDir, "app.txt"), "edited\n");
    await writeFile(join(own.workDir, "lib.txt"), "2\n");
    await writeFile(join(own.workDir, "untracked.txt"), "new\n");
    const dirty = await gantry(["run", own.workDir]);
    expect(dirty.code).toBe(0);
    const line = `gantry: uncommitted changes to 2 tracked files (app.txt, lib.txt) are not tested: the steps run on HEAD (${sha.slice(0, 7)})\n`;
    expect(dirty.out).toContain(line);
    expect(dirty.out.indexOf(line)).toBeLessThan(dirty.out.indexOf("▶ show"));
    expect(dirty.out).toContain("\ncommitted\n");

    await writeFile(join(own.workDir, ".github/gantry.yml"), yml.replace("cat app.txt", "echo from the working tree"));
    const config = await gantry(["run", own.workDir]);
    expect(config.out).toContain(`are not tested: the steps run on HEAD (${sha.slice(0, 7)}); the uncommitted .github/gantry.yml is used\n`);
    expect(config.out).toContain("\nfrom the working tree\n");

    await writeFile(join(own.workDir, "app.txt"), "committed\n");
    await writeFile(join(own.workDir, "lib.txt"), "1\n");
    const onlyConfig = await gantry(["run", own.workDir]);
    expect(onlyConfig.out).toContain(`gantry: the uncommitted .github/gantry.yml is used; the steps run on HEAD (${sha.slice(0, 7)})\n`);
  });
});

describe("gantry run, planned and run as the server would", () => {
  let own: Repo;
  beforeAll(async () => {
    own = await initRepo({ bareDir: join(root, "as-server.git") });
  });
  afterAll(() => own?.cleanup());

  it("starts a pipeline once what it needs succeeded, wherever the config lists it, with the push and GANTRY_PASS_ENV the server would give", async () => {
    const yml = [
      "pipelines:",
      "  deploy:",
      "    needs: [build]",
      "    steps:",
      '      - run: echo "deploying $GANTRY_REPOSITORY for $GANTRY_PUSHER with $EXTRA${OTHER:-}"',
      "  build:",
      "    steps:",
      "      - run: echo built",
      "",
    ].join("\n");
    await own.commit({ ".github/gantry.yml": yml }, "Deploy after build");
    // the repository as `gantry send` names it: from the origin remote
    await execFileAsync("git", ["remote", "add", "origin", "https://github.com/octo/sample.git"], { cwd: own.workDir });
    const { code, out } = await gantry(["run", own.workDir], { GANTRY_PASS_ENV: " EXTRA,\tUNSET ", EXTRA: "extra-value", OTHER: "not-passed" });
    expect(code).toBe(0);
    expect(out).toContain("\ndeploying octo/sample for Gantry Test with extra-value\n");
    expect(out.indexOf("\nbuilt\n")).toBeLessThan(out.indexOf("deploying"));
    // step 0 of each pipeline is the checkout, shown as the server's check run shows it
    expect(out).toMatch(/==> Checkout\n[0-9a-f]{40}\n✔ Checkout: success/);
    expect(out).toMatch(/build\s+Checkout\s+✔ success\s+0[^\n]*\nbuild\s+echo built\s+✔ success/);
    expect(out).toMatch(/deploy\s+Checkout\s+✔ success\s+0[^\n]*\ndeploy\s+echo "deploying[^\n]*✔ success/);
  });
});

describe("gantry run and a pipeline's checkout options", () => {
  let own: Repo;
  let lib: Repo;
  beforeAll(async () => {
    lib = await initRepo({ bareDir: join(root, "lib.git") });
    own = await initRepo({ bareDir: join(root, "with-submodule.git") });
  });
  afterAll(async () => {
    await own?.cleanup();
    await lib?.cleanup();
  });

  it("honours depth, and says that submodules and LFS files are not checked out locally, running without them", async () => {
    await own.commit({ "first.txt": "1\n" }, "First");
    // a submodule there to fetch, as git would from the developer's checkout: beside it, at a relative URL the
    // server's check allows for an http(s) clone URL
    await lib.push("refs/heads/main", await lib.commit({ "lib.txt": "from lib\n" }, "Lib"));
    await git(["clone", "-q", lib.bareDir, join(own.workDir, "lib")], { cwd: own.workDir, env: own.env() });
    await symlink(lib.bareDir, join(own.workDir, "..", "lib.git"));
    const pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03\nsize 6\n";
    const yml = [
      "pipelines:",
      "  build:",
      "    checkout: { depth: 2, submodules: true, lfs: true }",
      "    steps:",
      '      - run: echo "lib has $(ls -A lib | wc -l) files; $(head -1 big.bin); $(git rev-list --count HEAD) commits"',
      "",
    ].join("\n");
    await own.commit(
      { ".github/gantry.yml": yml, ".gitmodules": gitmodules([{ name: "lib", path: "lib", url: "../lib.git" }]), ".gitattributes": "*.bin filter=lfs diff=lfs merge=lfs -text\n", "big.bin": pointer },
      "Submodule and LFS",
    );
    const { code, out } = await gantry(["run", own.workDir, "--no-sandbox"]);
    expect(code, out).toBe(0);
    expect(out).toContain(
      "▶ build\ngantry: checkout.submodules is not supported by gantry run: submodules are fetched only from the repository's own http(s) host, and a local run fetches from a path: the submodules' folders stay empty\n" +
        "gantry: checkout.lfs is not supported by gantry run: LFS files come only from the repository's LFS endpoint (<clone URL>/info/lfs), and a local run fetches from a path: LFS files stay pointer files\n==> Checkout\n",
    );
    expect(out).toContain("\nlib has 0 files; version https://git-lfs.github.com/spec/v1; 2 commits\n");
  });
});

describe("gantry run's sandbox", () => {
  let boxed: Repo;
  beforeAll(async () => {
    boxed = await initRepo({ bareDir: join(root, "sandboxed.git") });
    const yml = "pipelines:\n  where:\n    steps:\n      - run: echo \"home=$HOME uid=$(id -u)\"; ls /root >/dev/null 2>&1 && echo 'sees /root' || echo 'no /root'\n";
    await boxed.commit({ ".github/gantry.yml": yml }, "Where am I");
  });
  afterAll(() => boxed?.cleanup());

  it("runs steps in the server's bubblewrap sandbox when bwrap works: a private HOME, another uid, the host's home not there", async () => {
    const { code, out } = await gantry(["run", boxed.workDir]);
    expect(code, out).toBe(0);
    expect(out).toContain("home=/home/gantry uid=1000\nno /root\n");
  });

  it("with --no-sandbox runs them as plain processes with gantry's HOME", async () => {
    const { code, out } = await gantry(["run", boxed.workDir, "--no-sandbox"]);
    expect(code, out).toBe(0);
    expect(out).toContain(`home=${root} uid=${process.getuid?.()}\n`);
  });

  it("without a working bwrap runs unsandboxed and says so, with how to install it", async () => {
    // a PATH with git and sh but no bwrap
    const bin = join(root, "no-bwrap-bin");
    await mkdir(bin, { recursive: true });
    for (const tool of ["git", "sh", "id", "ls"]) await symlink(execSync(`command -v ${tool}`, { shell: "/bin/sh" }).toString().trim(), join(bin, tool)).catch(() => {});
    const { code, out } = await gantry(["run", boxed.workDir], { PATH: bin });
    expect(code, out).toBe(0);
    expect(out).toContain("gantry: steps run without a sandbox: bubblewrap cannot run here (bwrap is not installed (not found in PATH)); install it (apt-get install bubblewrap, or dnf install bubblewrap) or pass --no-sandbox");
    expect(out).toContain(`home=${root} `);
  });
});
