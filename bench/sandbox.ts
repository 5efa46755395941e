import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { LogFile } from "../src/worker/execution/log-file.js";
import { runStep } from "../src/worker/execution/run-step.js";
import { bwrapSandbox } from "../src/worker/execution/sandbox/bwrap-sandbox.js";
import { plainSandbox } from "../src/worker/execution/sandbox/plain-sandbox.js";
import type { Sandbox } from "../src/worker/execution/sandbox/sandbox.js";
import { median, summarize, type Summary } from "./stats.js";

export interface SandboxResult {
  iterations: number;
  /** Wall time of one `true` step through the runner, unsandboxed and in bwrap. */
  plain: Summary;
  bwrap: Summary;
  /** bwrap minus plain, pair by pair (each pair run back to back, in alternating order). */
  overhead: Summary;
  /** The first wrap of the process: the scan for root-only files under the bound directories (as root), then cached. */
  firstWrapMs: number;
  /** Mount rules of one step's sandbox (hidden root-only entries included). */
  mountArgs: number;
}

/**
 * The sandbox's cost per step: the same trivial step (`true`) through the real runner (runStep: execa, its own
 * process group, the log descriptor), as a plain `sh -e -c` and inside bwrap, alternately, in one process.
 */
export async function benchSandbox(options: { scratch: string; iterations: number }, write: (line: string) => void): Promise<SandboxResult> {
  const workspace = join(options.scratch, "sandbox-workspace");
  mkdirSync(workspace, { recursive: true });
  const log = new LogFile(join(options.scratch, "sandbox.log"));
  const plain = plainSandbox();
  const started = performance.now();
  const bwrap = bwrapSandbox({ mode: "bwrap", bind: [], hide: [] });
  const first = bwrap.wrap({ command: "true", workspace, env: {}, network: "host" });
  const firstWrapMs = performance.now() - started;
  const env = { PATH: process.env["PATH"] ?? "/usr/bin:/bin" };
  const once = async (sandbox: Sandbox): Promise<number> => {
    const t0 = performance.now();
    const outcome = await runStep({ command: "true", workspace, env, network: "host", sandbox, logFd: log.fd, timeoutMs: 30_000 });
    if (outcome.exitCode !== 0) throw new Error(`the ${sandbox.kind} step failed: exit ${outcome.exitCode} ${outcome.startError ?? ""}`);
    return performance.now() - t0;
  };
  try {
    for (let i = 0; i < 5; i++) {
      // warm-up: the page cache, bwrap's binary, the JIT
      await once(plain);
      await once(bwrap);
    }
    const samples = { plain: [] as number[], bwrap: [] as number[], overhead: [] as number[] };
    for (let i = 0; i < options.iterations; i++) {
      // alternating which goes first, so a drift of the machine weighs on both alike
      let a: number;
      let b: number;
      if (i % 2 === 0) {
        a = await once(plain);
        b = await once(bwrap);
      } else {
        b = await once(bwrap);
        a = await once(plain);
      }
      samples.plain.push(a);
      samples.bwrap.push(b);
      samples.overhead.push(b - a);
    }
    const result = {
      iterations: options.iterations,
      plain: summarize(samples.plain),
      bwrap: summarize(samples.bwrap),
      overhead: summarize(samples.overhead),
      firstWrapMs,
      mountArgs: first.args.length,
    };
    write(`  plain step ${median(samples.plain).toFixed(1)} ms, bwrap step ${median(samples.bwrap).toFixed(1)} ms: +${result.overhead.median.toFixed(1)} ms a step (median of ${options.iterations} pairs); first wrap ${firstWrapMs.toFixed(0)} ms`);
    return result;
  } finally {
    log.close();
  }
}
