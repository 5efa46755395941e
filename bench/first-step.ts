import { readFileSync } from "node:fs";
import { join } from "node:path";
import { checkRunTimings } from "./checks.js";
import { signAppJwt } from "../test/fake-github/app-key.js";
import { installationToken, repoWithPushes, startFake, type App } from "./fake.js";
import { startGantry } from "./gantry.js";
import { deliver, pushEvent } from "./payloads.js";
import { baseEnv, memoryOf, runTracked, sleep, stopTracked } from "./processes.js";
import { summarize, type Summary } from "./stats.js";

export interface FirstStepOptions {
  scratch: string;
  /** Measured iterations (one more is run first, as a warm-up, and not counted). */
  iterations: number;
  /** Extra node arguments for gantry's server (e.g. --cpu-prof). */
  gantryNodeArgs?: string[];
}

export interface FirstStepSample {
  iteration: number;
  gantryFirstStepMs: number;
  shellFirstStepMs: number;
  gantryCompletedMs: number;
  shellDoneMs: number;
  /** Where gantry's time went (ms after the delivery was sent): answered, dispatched (runs queued), pipeline taken by the worker. */
  answeredMs: number;
  /** The fake GitHub answered the config read, and the checkout token (ms after the delivery was sent; NaN: the token was cached, none asked for). */
  configReadMs: number;
  dispatchedMs: number;
  takenMs: number;
  tokenMs: number;
}

export interface FirstStepResult {
  samples: FirstStepSample[];
  /** gantry's server's lifetime up to the first measured iteration, ms (start-up and warm-up, for profiles). */
  warmUpMs: number;
  gantryFirstStep: Summary;
  shellFirstStep: Summary;
  /** gantry − shell, per iteration (each pair measured back to back). */
  overhead: Summary;
  gantryCompleted: Summary;
  shellDone: Summary;
  answered: Summary;
  configRead: Summary;
  dispatched: Summary;
  taken: Summary;
  token: Summary;
  /**
   * The two GitHub calls on gantry's path that the shell does not make (the config from the contents API; a
   * checkout token), timed against the same fake GitHub from the bench: part of the overhead is theirs.
   */
  githubCalls: Summary;
  /** gantry's peak RSS (VmHWM) after the runs, which print a line each: to compare with the 1 GiB log's. */
  hwmBytes: number;
}

/** What the shell baseline does: exactly gantry's checkout (same git commands, same server, same auth), then the step. */
const SHELL_BASELINE = `set -e
d=$(mktemp -d)
cd "$d"
git init --quiet
git fetch --quiet --no-tags --depth=1 "$URL" "$GANTRY_SHA"
git checkout --quiet --detach FETCH_HEAD
sh -e -c "$STEP"
cd /
rm -rf "$d"
`;

/**
 * Benchmark 2: from a push delivery's arrival to its first step's process start (and to the check run's
 * `completed`), for a one-step pipeline, beside a shell script doing the same checkout and step.
 */
export async function benchFirstStep(options: FirstStepOptions, log: (line: string) => void): Promise<FirstStepResult> {
  const { fake, app } = await startFake(join(options.scratch, "first-step-repos"));
  // the step prints its clock to its log: gantry's sandbox gives it a /tmp of its own, so a file there is not the bench's
  const step = `echo "STEP-START $GANTRY_SHA $(date +%s%N)"`;
  const shellLog = join(options.scratch, "first-step-shell.log");
  const config = `pipelines:\n  first:\n    cancel_superseded: false\n    steps:\n      - run: '${step}'\n`;
  const total = options.iterations + 1;
  // two pushes an iteration: gantry and the shell each get a commit of their own
  const { repo, pushes } = await repoWithPushes(fake, "first-step", { config, count: total * 2 });
  const server = await startGantry({
    name: "first-step",
    app,
    dataDir: join(options.scratch, "first-step-data"),
    scratch: options.scratch,
    env: { GANTRY_CONCURRENCY: "1" },
    ...(options.gantryNodeArgs ? { nodeArgs: options.gantryNodeArgs } : {}),
  });
  const git = { ...repo.env() };
  const token = await installationToken(fake, app, repo.installationId);
  const basic = Buffer.from(`x-access-token:${token}`).toString("base64");
  const stepStartOf = (text: string, sha: string) => {
    const match = new RegExp(`STEP-START ${sha} (\\d+)`).exec(text);
    if (!match) throw new Error(`first-step: no STEP-START line for ${sha} in the step's log`);
    return Number(BigInt(match[1]!) / 1000n) / 1000;
  };
  const samples: FirstStepSample[] = [];
  const githubCalls: number[] = [];
  let warmUpMs = 0;
  let hwmBytes = Number.NaN;
  try {
    for (let i = 0; i < total; i++) {
      const gantryPush = pushes[2 * i]!;
      if (i === 1) warmUpMs = Date.now() - server.proc.startedAt;
      const shellPush = pushes[2 * i + 1]!;

      // gantry: delivery sent → step start (the step's own clock) → check run completed (the fake's clock)
      const sentAt = performance.timeOrigin + performance.now();
      const answer = await deliver(server.webhookUrl, app.secret, pushEvent(gantryPush));
      if (answer.status !== 202) throw new Error(`delivery answered ${answer.status}`);
      const checkRun = await fake.waitFor(
        () => fake.checkRunsFor(repo.owner, repo.name).find((c) => c.head_sha === gantryPush.after && c.status === "completed"),
        60_000,
      );
      if (checkRun.conclusion !== "success") throw new Error(`first-step pipeline concluded ${checkRun.conclusion}`);
      const gantryStep = stepStartOf(checkRun.output.text ?? "", gantryPush.after);
      const completedAt = checkRunTimings(fake).get(checkRun.id)!.completedAt!;

      // the shell script: started → step start → exit
      const shellStart = performance.timeOrigin + performance.now();
      const code = await runTracked("first-step-shell", "sh", ["-c", SHELL_BASELINE], {
        cwd: options.scratch,
        logPath: shellLog,
        env: {
          ...baseEnv(),
          HOME: git["HOME"]!,
          GIT_CONFIG_NOSYSTEM: "1",
          GIT_TERMINAL_PROMPT: "0",
          GIT_CONFIG_COUNT: "1",
          GIT_CONFIG_KEY_0: "http.extraHeader",
          GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
          URL: repo.cloneUrl,
          GANTRY_SHA: shellPush.after,
          STEP: step,
        },
      });
      if (code !== 0) throw new Error(`the shell baseline exited with ${code}`);
      const shellEnd = performance.timeOrigin + performance.now();
      const shellStep = stepStartOf(readFileSync(shellLog, "utf8"), shellPush.after);

      const output = server.proc.output();
      const sample = {
        iteration: i,
        answeredMs: performance.timeOrigin + answer.answeredAt - sentAt,
        configReadMs: (fake.requests.find((r) => r.method === "GET" && r.path.includes("/contents/") && r.query["ref"] === gantryPush.after)?.at ?? Number.NaN) - sentAt,
        tokenMs:
          (fake.requests.find((r) => r.method === "POST" && r.path.endsWith("/access_tokens") && r.at >= sentAt && r.at <= gantryStep && (r.body as { repositories?: string[] } | null)?.repositories !== undefined)?.at ??
            Number.NaN) - sentAt,
        dispatchedMs: logTime(output, (e) => e["delivery"] === answer.deliveryId && String(e["msg"]).startsWith("dispatched")) - sentAt,
        takenMs: logTime(output, (e) => e["run"] === checkRun.external_id && String(e["msg"]).startsWith("pipeline started")) - sentAt,
        gantryFirstStepMs: gantryStep - sentAt,
        shellFirstStepMs: shellStep - shellStart,
        gantryCompletedMs: completedAt - sentAt,
        shellDoneMs: shellEnd - shellStart,
      };
      log(
        `  first-step ${i === 0 ? "warm-up" : `#${i}`}: gantry ${sample.gantryFirstStepMs.toFixed(1)} ms to first step, ` +
          `${sample.gantryCompletedMs.toFixed(0)} ms to completed (answered ${sample.answeredMs.toFixed(1)}, config read ${sample.configReadMs.toFixed(0)}, ` +
          `dispatched ${sample.dispatchedMs.toFixed(0)}, taken ${sample.takenMs.toFixed(0)}, token ${Number.isNaN(sample.tokenMs) ? "cached (none asked for)" : sample.tokenMs.toFixed(0)}); shell ${sample.shellFirstStepMs.toFixed(1)} ms to step, ${sample.shellDoneMs.toFixed(1)} ms done`,
      );
      if (i > 0) samples.push(sample);
      githubCalls.push(await timeGitHubCalls(fake.apiUrl, app, repo.owner, repo.name, repo.installationId, gantryPush.after, token));
      // let the write throttle (one write a second per installation) clear, so iterations do not queue behind each other
      await sleep(1_100);
    }
    hwmBytes = memoryOf(server.proc.pid)?.hwm ?? Number.NaN;
  } finally {
    await stopTracked(server.proc, "SIGTERM");
    await fake.close();
  }
  return {
    samples,
    hwmBytes,
    warmUpMs,
    githubCalls: summarize(githubCalls),
    gantryFirstStep: summarize(samples.map((s) => s.gantryFirstStepMs)),
    shellFirstStep: summarize(samples.map((s) => s.shellFirstStepMs)),
    overhead: summarize(samples.map((s) => s.gantryFirstStepMs - s.shellFirstStepMs)),
    gantryCompleted: summarize(samples.map((s) => s.gantryCompletedMs)),
    shellDone: summarize(samples.map((s) => s.shellDoneMs)),
    answered: summarize(samples.map((s) => s.answeredMs)),
    configRead: summarize(samples.map((s) => s.configReadMs)),
    token: summarize(samples.map((s) => s.tokenMs)),
    dispatched: summarize(samples.map((s) => s.dispatchedMs)),
    taken: summarize(samples.map((s) => s.takenMs)),
  };
}

/** The time (pino's `time`, epoch ms) of the first JSON log line of gantry's that `match` accepts. */
export function logTime(output: string, match: (entry: Record<string, unknown>) => boolean): number {
  for (const line of output.split("\n")) {
    if (!line.startsWith("{")) continue;
    const entry = JSON.parse(line) as Record<string, unknown>;
    if (match(entry)) return entry["time"] as number;
  }
  return Number.NaN;
}

/** One contents read (raw, at a SHA) and one repository-scoped read-only token, as gantry makes them; ms. */
async function timeGitHubCalls(apiUrl: string, app: App, owner: string, name: string, installationId: number, sha: string, token: string): Promise<number> {
  const started = performance.now();
  const contents = await fetch(`${apiUrl}/repos/${owner}/${name}/contents/.github%2Fgantry.yml?ref=${sha}`, {
    headers: { authorization: `token ${token}`, accept: "application/vnd.github.raw" },
  });
  await contents.arrayBuffer();
  const scoped = await fetch(`${apiUrl}/app/installations/${installationId}/access_tokens`, {
    method: "POST",
    headers: { authorization: `Bearer ${signAppJwt(app.privateKey, app.appId)}`, accept: "application/vnd.github+json", "content-type": "application/json" },
    body: JSON.stringify({ repositories: [name], permissions: { contents: "read" } }),
  });
  await scoped.arrayBuffer();
  if (!contents.ok || !scoped.ok) throw new Error(`GitHub calls answered ${contents.status} and ${scoped.status}`);
  return performance.now() - started;
}
