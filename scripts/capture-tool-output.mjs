#!/usr/bin/env node
// Captures what real tools print for broken sources into test/fixtures/tool-output/, for the problem matchers' tests.
// Run it again after a tool changes its format: `node scripts/capture-tool-output.mjs`. Needs typescript (a
// devDependency), gcc, python3, rustc (PATH or ~/.cargo/bin) and an eslint 9 with eslint-formatter-compact:
//   npm i --prefix /tmp/eslint-capture eslint@9 eslint-formatter-compact
// (ESLINT_PREFIX overrides that folder). Go is not captured (not installed where this was written): go.txt is
// written by hand in go's format. The sources are compiled in WORKSPACE so absolute paths in the output are known.
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const WORKSPACE = "/tmp/gantry-capture/ws";
const root = fileURLToPath(new URL("..", import.meta.url));
const out = join(root, "test/fixtures/tool-output");
const eslintPrefix = process.env.ESLINT_PREFIX ?? "/tmp/eslint-capture";

const sources = {
  "src/bad.ts": ['const count: number = "three";', "function greet(name: string) {", "  return name.toUpperCase();", "}", "greet(42);", "export {};", ""],
  "src/bad.js": ["const unused = 1;", "let answer = 42", "if (answer == undefined) {", "  debugger;", "}", "export default answer;", ""],
  "src/other.js": ["var x = 1;", "console.log(x)", ""],
  "eslint.config.mjs": [
    "export default [{",
    '  files: ["**/*.js"],',
    '  rules: { "no-unused-vars": "error", "no-debugger": "error", eqeqeq: "warn", "no-var": "error", semi: "warn" },',
    "}];",
    "",
  ],
  "src/bad.c": ["#include <stdio.h>", "int main(void) {", "  int x = \"text\";", "  undeclared = 3;", "  return 0", "}", ""],
  "src/fatal.c": ["#include \"missing.h\"", "int main(void) { return 0; }", ""],
  "src/bad.py": ["def parse(data):", '    return data["count"] + 1', "", "def main():", '    parse({"count": "3"})', "", "main()", ""],
  "src/warn.rs": ["fn main() {", "    let unused = 3;", "}", ""],
  "src/bad.rs": ["fn main() {", '    let n: i32 = "five";', "    let unused = 3;", "    println!(\"{}\", n);", "}", ""],
};

function run(name, command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: WORKSPACE, encoding: "utf8", env: { ...process.env, ...options.env } });
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  const text = (options.stream === "stderr" ? result.stderr : options.stream === "both" ? result.stdout + result.stderr : result.stdout) ?? "";
  if (text === "") throw new Error(`${name}: ${command} printed nothing (exit ${result.status}): ${result.stderr}`);
  writeFileSync(join(out, name), text);
  console.log(`wrote ${name} (${text.length} chars, exit ${result.status})`);
}

rmSync(WORKSPACE, { recursive: true, force: true });
for (const [path, lines] of Object.entries(sources)) {
  mkdirSync(join(WORKSPACE, path, ".."), { recursive: true });
  writeFileSync(join(WORKSPACE, path), lines.join("\n"));
}
mkdirSync(out, { recursive: true });

const tsc = join(root, "node_modules/typescript/bin/tsc");
run("tsc.txt", process.execPath, [tsc, "--noEmit", "--strict", "--pretty", "false", "src/bad.ts"]);
run("tsc-pretty.txt", process.execPath, [tsc, "--noEmit", "--strict", "--pretty", "src/bad.ts"]);
const eslint = join(eslintPrefix, "node_modules/eslint/bin/eslint.js");
run("eslint-stylish.txt", process.execPath, [eslint, "--format", "stylish", "src/bad.js", "src/other.js"]);
run("eslint-stylish-color.txt", process.execPath, [eslint, "--format", "stylish", "--color", "src/bad.js", "src/other.js"]);
run("eslint-compact.txt", process.execPath, [eslint, "--format", join(eslintPrefix, "node_modules/eslint-formatter-compact/index.js"), "src/bad.js", "src/other.js"]);
run("gcc.txt", "gcc", ["-Wall", "-fdiagnostics-color=never", "-c", "src/bad.c", "-o", "/dev/null"], { stream: "stderr" });
run("gcc-color.txt", "gcc", ["-Wall", "-fdiagnostics-color=always", "-c", "src/bad.c", "-o", "/dev/null"], { stream: "stderr" });
run("gcc-fatal.txt", "gcc", ["-fdiagnostics-color=never", "-c", join(WORKSPACE, "src/fatal.c"), "-o", "/dev/null"], { stream: "stderr" });
run("python.txt", "python3", ["src/bad.py"], { stream: "stderr" });
const rustc = spawnSync("rustc", ["--version"]).error ? join(homedir(), ".cargo/bin/rustc") : "rustc";
run("rustc.txt", rustc, ["--color", "never", "--edition", "2021", "-o", "/dev/null", "src/bad.rs"], { stream: "stderr" });
run("rustc-color.txt", rustc, ["--color", "always", "--edition", "2021", "-o", "/dev/null", "src/bad.rs"], { stream: "stderr" });
run("rustc-warning.txt", rustc, ["--color", "never", "--edition", "2021", "-o", "/dev/null", "src/warn.rs"], { stream: "stderr" });
