import { readFileSync, realpathSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckRunRecord } from "../fake-github/fake-github.js";
import { eventually } from "../helpers/eventually.js";
import { readEvents, type ServerEvent } from "../report/run-page/read-events.js";
import { runLogMatching, startStack, type Stack } from "./stack.js";

// The project's own TypeScript, bound read-only into the step sandbox: the step runs the real tsc.
const TYPESCRIPT = realpathSync(fileURLToPath(new URL("../../node_modules/typescript", import.meta.url)));
const TSC = `${TYPESCRIPT}/bin/tsc`;
// What eslint (stylish) printed for src/bad.js and src/other.js, captured in /tmp/gantry-capture/ws
const ESLINT_STYLISH = readFileSync(fileURLToPath(new URL("../fixtures/tool-output/eslint-stylish.txt", import.meta.url)), "utf8");

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ GANTRY_SANDBOX_BIND: TYPESCRIPT });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

function pipeline(run: string): string {
  return ["pipelines:", "  build:", "    steps:", "      - name: Build", `        run: ${run}`, ""].join("\n");
}

/** The check-run requests the app sent for `repo` (creations and updates), with what the fake answered. */
function checkRunRequests(repo: string) {
  return stack.fake.requests.filter((r) => (r.method === "POST" || r.method === "PATCH") && r.path.includes(`/repos/octo/${repo}/check-runs`));
}

function annotationsIn(body: unknown): unknown[] {
  const output = (body as { output?: { annotations?: unknown[] } } | null)?.output;
  return output?.annotations ?? [];
}

/**
 * The check run once it has `count` annotations: the completed state goes with the first 50, and the rest follow
 * in further updates.
 */
function withAnnotations(run: CheckRunRecord, count: number): Promise<CheckRunRecord> {
  return stack.fake.waitFor(() => stack.fake.checkRunsFor(run.owner, run.repo).find((c) => c.id === run.id && c.annotations.length >= count), 30_000);
}

/** Everything of the check run a person can read on GitHub. */
function visibleText(run: CheckRunRecord): string {
  return JSON.stringify({ output: run.output, annotations: run.annotations });
}

describe("annotations from step output, end to end", () => {
  it("puts a type error that the real tsc reports on its file and line, and the check run fails", async () => {
    const repo = await stack.repo("typed", {
      ".github/gantry.yml": pipeline(`node ${TSC} --noEmit "$PWD/src/app.ts"`),
      "src/app.ts": 'export const count: number = "three";\n',
    });
    const { sha } = await stack.push(repo, {});
    const run = await stack.completed(repo, sha, "build", 60_000);
    expect(run.conclusion).toBe("failure");
    expect(run.annotations).toEqual([
      {
        path: "src/app.ts",
        start_line: 1,
        end_line: 1,
        start_column: 14,
        end_column: 14,
        annotation_level: "failure",
        title: "TS2322",
        message: "Type 'string' is not assignable to type 'number'.",
      },
    ]);
    expect(checkRunRequests("typed").every((r) => r.status < 300)).toBe(true);
  }, 70_000);

  it("reads tsc and eslint output and workflow commands: levels, groups, masks, stop-commands, files outside the commit", async () => {
    const script = [
      // the real tsc in its --pretty form (colours, code frame; the first test has the plain one)
      `node ${TSC} --noEmit --pretty "$PWD/src/a.ts"`,
      // eslint's stylish report as eslint printed it, in this workspace
      `sed "s#/tmp/gantry-capture/ws#$PWD#" eslint-stylish.txt`,
      `echo "::error file=src/b.ts,line=2,col=3::b is broken"`,
      `echo "::warning file=src/b.ts,line=1,endLine=3,title=Careful::b is risky"`,
      `echo "::notice file=src/b.ts,line=4::b is noted"`,
      `echo "::group::Install things"`,
      `echo "inside the group"`,
      `echo "::endgroup::"`,
      // computed here, so only the output holds the value
      `V="hide-$((6*7))-this-value"`,
      `echo "::add-mask::$V"`,
      `echo "the value is $V"`,
      `echo "::error file=src/b.ts,line=5::it was $V"`,
      `echo "::stop-commands::tok-123"`,
      `echo "::error file=src/b.ts,line=9::not a command"`,
      `echo "::tok-123::"`,
      `echo "::error file=gen/out.ts,line=4::generated code broke"`,
      "exit 1",
      "",
    ].join("\n");
    const repo = await stack.repo("mixed", {
      ".github/gantry.yml": pipeline("sh checks.sh"),
      "checks.sh": script,
      "eslint-stylish.txt": ESLINT_STYLISH,
      "src/a.ts": 'export const count: number = "three";\n',
      "src/b.ts": "export {};\n",
      "src/bad.js": "var unused = 1;\n",
      "src/other.js": "var x = 1;\n",
    });
    const { sha } = await stack.push(repo, {});
    const run = await stack.completed(repo, sha, "build", 60_000);
    expect(run.conclusion).toBe("failure");
    const at = (path: string, line: number, column: number, level: string, message: string, title: string) => ({
      path,
      start_line: line,
      end_line: line,
      start_column: column,
      end_column: column,
      annotation_level: level,
      message,
      title,
    });
    const onB = (line: number, level: string, message: string, extra: Record<string, unknown> = {}) => ({
      path: "src/b.ts",
      start_line: line,
      end_line: line,
      annotation_level: level,
      message,
      ...extra,
    });
    // failures, then warnings, then notices, each in log order; the ::error between ::stop-commands:: and its
    // token is none, and gen/out.ts is not in the commit
    expect(run.annotations).toEqual([
      at("src/a.ts", 1, 14, "failure", "Type 'string' is not assignable to type 'number'.", "TS2322"),
      at("src/bad.js", 1, 7, "failure", "'unused' is assigned a value but never used", "no-unused-vars"),
      at("src/bad.js", 4, 3, "failure", "Unexpected 'debugger' statement", "no-debugger"),
      at("src/other.js", 1, 1, "failure", "Unexpected var, use let or const instead", "no-var"),
      onB(2, "failure", "b is broken", { start_column: 3, end_column: 3 }),
      onB(5, "failure", "it was ***"),
      at("src/bad.js", 2, 16, "warning", "Missing semicolon", "semi"),
      at("src/bad.js", 3, 12, "warning", "Expected '===' and instead saw '=='", "eqeqeq"),
      at("src/other.js", 2, 15, "warning", "Missing semicolon", "semi"),
      { ...onB(1, "warning", "b is risky", { title: "Careful" }), end_line: 3 },
      onB(4, "notice", "b is noted"),
    ]);
    const summary = run.output.summary!;
    expect(summary).toContain(
      "#### Annotations\n\n7 failures, 4 warnings, 1 notice: 11 shown on the files they name, 1 not on a file of this commit, so GitHub cannot show it there (listed below).",
    );
    expect(summary).toContain("| failure | gen/out.ts:4 | generated code broke |");
    expect(summary).not.toContain("not a command |");

    // the added mask: nowhere in the check run, the log on disk, the raw log or the page; stars instead
    const secret = "hide-42-this-value";
    expect(visibleText(run)).not.toContain(secret);
    const onDisk = await runLogMatching(stack.app.dataDir, /::stop-commands::tok-123/);
    expect(onDisk).toContain("the value is ******************\n");
    expect(onDisk).not.toContain(secret);
    const base = `${stack.app.url}/runs/${run.external_id}`;
    const raw = await (await fetch(`${base}/log`)).text();
    expect(raw).toContain("the value is ******************\n");
    expect(raw).not.toContain(secret);
    const page = await (await fetch(base)).text();
    expect(page).not.toContain(secret);
    // the group folds on the page, its line inside
    expect(page).toMatch(/<details class="group" data-start="\d+" data-end="\d+"><summary class="group-title">Install things<\/summary><div class="group-lines"><div class="line"[^>]*>.*inside the group/);
  }, 70_000);

  it("sends annotations to GitHub 50 a request, every body valid, duplicates once", async () => {
    const files = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`src/f${i}.ts`, `export const f${i} = ${i};\n`]));
    const repo = await stack.repo("batches", {
      ".github/gantry.yml": pipeline("sh errors.sh"),
      "errors.sh": [
        'for i in $(seq 1 120); do echo "::error file=src/f$((i % 10)).ts,line=$i::problem $i"; done',
        // the same three again: deduplicated
        'for i in 1 2 3; do echo "::error file=src/f$i.ts,line=$i::problem $i"; done',
        "exit 1",
        "",
      ].join("\n"),
      ...files,
    });
    const { sha } = await stack.push(repo, {});
    const completed = await stack.completed(repo, sha, "build", 60_000);
    expect(completed.conclusion).toBe("failure");
    const run = await withAnnotations(completed, 120);
    const requests = checkRunRequests("batches");
    expect(requests.filter((r) => r.status >= 400)).toEqual([]);
    const sizes = requests.map((r) => annotationsIn(r.body).length).filter((n) => n > 0);
    expect(sizes).toEqual([50, 50, 20]);
    const expected = Array.from({ length: 120 }, (_, k) => ({
      path: `src/f${(k + 1) % 10}.ts`,
      start_line: k + 1,
      end_line: k + 1,
      annotation_level: "failure",
      message: `problem ${k + 1}`,
    }));
    expect(run.annotations).toEqual(expected);
    expect(run.output.annotations_count).toBe(120);
  }, 70_000);

  it("keeps 1,000 annotations of a run and says how many were left out", async () => {
    const repo = await stack.repo("capped", {
      ".github/gantry.yml": pipeline("sh errors.sh"),
      "errors.sh": 'for i in $(seq 1 1200); do echo "::error file=src/f.ts,line=$i::e$i"; done\nexit 1\n',
      "src/f.ts": "export {};\n",
    });
    const { sha } = await stack.push(repo, {});
    const capped = await withAnnotations(await stack.completed(repo, sha, "build", 60_000), 1000);
    // a later push of the repository: its check run is written after any batch the first still had to send
    // (an installation's writes go to GitHub in the order asked)
    const later = await stack.push(repo, { files: { ".github/gantry.yml": pipeline("echo done"), "errors.sh": null } });
    await stack.completed(repo, later.sha, "build");
    const run = stack.fake.checkRunsFor("octo", "capped").find((c) => c.id === capped.id)!;
    const requests = checkRunRequests("capped");
    expect(requests.filter((r) => r.status >= 400)).toEqual([]);
    const sizes = requests.map((r) => annotationsIn(r.body).length).filter((n) => n > 0);
    expect(sizes).toEqual(Array.from({ length: 20 }, () => 50));
    expect(run.annotations).toHaveLength(1000);
    // the first 1,000 in log order
    expect(run.annotations.map((a) => (a as { message: string }).message)).toEqual(Array.from({ length: 1000 }, (_, k) => `e${k + 1}`));
    expect(run.output.summary).toContain("1,000 failures: 1,000 shown on the files they name.\n\n200 more annotations left out: a run keeps at most 1,000.");
  }, 70_000);

  it("lists the annotations on the run page, linked to their log lines, and follows a running step live across a reconnect", async () => {
    const repo = await stack.repo("live", {
      ".github/gantry.yml": pipeline("sh live.sh"),
      // prints until the test, having seen its lines live, creates `release` in the workspace (30 s at most)
      "live.sh": [
        'echo "workspace=$PWD"',
        'echo "::error file=src/x.ts,line=1,col=2::boom here"',
        "i=0",
        'while [ ! -e release ] && [ $i -lt 300 ]; do i=$((i+1)); echo "tick $i"; sleep 0.1; done',
        'echo "released after $i ticks"',
        "",
      ].join("\n"),
      "src/x.ts": "export {};\n",
    });
    const { sha } = await stack.push(repo, {});
    const checkRun = () => stack.fake.checkRunsFor("octo", "live").find((c) => c.head_sha === sha)!;
    const runId = (await stack.fake.waitFor(() => checkRun()?.external_id ?? undefined, 30_000)) as string;
    const base = `${stack.app.url}/runs/${runId}`;

    // the page as a browser first gets it, with the position its event stream starts from
    const first = await eventually("the page with the first lines", async () => {
      const html = await (await fetch(base)).text();
      return /tick \d+</.test(html) ? html : undefined;
    });
    expect(first).toContain('data-live="true"');
    const position = /data-position="(\d+)"/.exec(first)![1]!;
    const workspace = />workspace=([^<]+)</.exec(first)![1]!;
    const pageLines = linesOf(first);
    expect(pageLines[0]).toBe(1);

    const one = readEvents(`${base}/events?attempt=1&from=${position}`);
    await one.opened;
    expect(one.status).toBe(200);
    // new lines arrive while the step still runs (it cannot end before `release` exists)
    await stack.fake.waitFor(() => (eventLines(one.events).length >= 5 ? true : undefined), 30_000);
    expect(checkRun().status).not.toBe("completed");
    one.close();
    const lastId = one.events.filter((e) => e.event === "lines").at(-1)!.id!;
    const seenByOne = eventLines(one.events).length;

    // the step prints on while no one listens
    await eventually("more lines in the raw log", async () => (await (await fetch(`${base}/log`)).text()).length > Number(lastId) + 100);
    const two = readEvents(`${base}/events?attempt=1`, { "last-event-id": lastId });
    await two.opened;
    expect(two.status).toBe(200);
    await stack.fake.waitFor(() => (eventLines(two.events).length > 0 ? true : undefined), 30_000);
    await writeFile(`${workspace}/release`, "");
    await stack.fake.waitFor(() => (two.events.some((e) => e.event === "end") ? true : undefined), 30_000);
    two.close();
    expect(eventLines(one.events)).toHaveLength(seenByOne);
    expect([...one.events, ...two.events].filter((e) => e.event === "skipped")).toEqual([]);

    // the page's lines, then each stream's: every line of the log once, in order
    const raw = await (await fetch(`${base}/log`)).text();
    const total = raw.split("\n").length - 1;
    const numbers = [...pageLines, ...eventLines(one.events).map((l) => l.n), ...eventLines(two.events).map((l) => l.n)];
    expect(numbers).toEqual(Array.from({ length: total }, (_, k) => k + 1));
    const texts = [first, ...eventLines(one.events).map((l) => l.html), ...eventLines(two.events).map((l) => l.html)].join("");
    const ticks = [...texts.matchAll(/>tick (\d+)</g)].map((m) => Number(m[1]));
    const printed = Number(/released after (\d+) ticks/.exec(raw)![1]);
    expect(printed).toBeLessThan(300);
    expect(ticks).toEqual(Array.from({ length: printed }, (_, k) => k + 1));

    const run = await stack.completed(repo, sha, "build");
    expect(run.annotations).toEqual([
      { path: "src/x.ts", start_line: 1, end_line: 1, start_column: 2, end_column: 2, annotation_level: "failure", message: "boom here" },
    ]);
    // the annotation links to its log line, and the line back to it
    const page = await (await fetch(base)).text();
    const line = raw.split("\n").indexOf("::error file=src/x.ts,line=1,col=2::boom here") + 1;
    expect(line).toBeGreaterThan(0);
    expect(page).toContain(
      `<li class="annotation level-failure" id="annotation-0" data-line="${line}"><a class="annotation-link" href="#L${line}"><span class="annotation-level">failure</span> <span class="annotation-place">src/x.ts:1</span> <span class="annotation-message">boom here</span></a></li>`,
    );
    expect(page).toMatch(new RegExp(`<div class="line" id="L${line}" data-line="${line}">.*::error file=src/x\\.ts,line=1,col=2::boom here.*<a class="annotation-marker" href="#annotation-0" data-annotation="0"`));
  }, 70_000);
});

/** The line numbers of a page's log lines. */
function linesOf(html: string): number[] {
  return [...html.matchAll(/<div class="line" id="L(\d+)"/g)].map((m) => Number(m[1]));
}

/** The lines of a stream's `lines` events, in order. */
function eventLines(events: ServerEvent[]): Array<{ n: number; html: string }> {
  return events.filter((e) => e.event === "lines").flatMap((e) => (JSON.parse(e.data) as { lines: Array<{ n: number; html: string }> }).lines);
}
