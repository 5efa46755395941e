import { closeSync, openSync, readFileSync } from "node:fs";
import { createMasker } from "../src/worker/execution/masking/create-masker.js";
import { runProcess } from "../src/worker/execution/run-step.js";

/**
 * One masked run in a process of its own, so that its peak RSS is the masker's: the step's command and the
 * secrets come in the environment (never argv), the log path as the only argument. Prints one JSON line.
 */
const { command, secrets } = JSON.parse(process.env["MASK_BENCH"] ?? "{}") as { command: string; secrets: string[] };
const logPath = process.argv[2]!;
const masker = createMasker(secrets);
if (!masker) throw new Error("mask-child: no secret in MASK_BENCH");
const fd = openSync(logPath, "w");
const started = performance.now();
const outcome = await runProcess({ file: "sh", args: ["-c", command], cwd: process.cwd(), env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin" }, logFd: fd, timeoutMs: 10 * 60_000, masker });
const ms = performance.now() - started;
const cpu = process.cpuUsage();
closeSync(fd);
const hwmKb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))?.[1]);
process.stdout.write(JSON.stringify({ ms, exitCode: outcome.exitCode, hwmBytes: hwmKb * 1024, maxRssBytes: process.resourceUsage().maxRSS * 1024, cpuMs: (cpu.user + cpu.system) / 1000 }) + "\n");
