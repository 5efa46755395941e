import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../../src/backend/open-database.js";
import { SqliteStore } from "../../../src/backend/storage/sqlite-store.js";
import { RUN_PAGE_CSP, createRunPageHandler, type RunPageOptions } from "../../../src/report/create-run-page-handler.js";
import { readRenderedLines, runLogFiles } from "../../../src/report/run-page/run-log-files.js";
import { allowEveryone, type RunAccess } from "../../../src/report/run-page/run-access.js";
import { MAX_LINES_PER_READ, MAX_SEARCH_HITS, PAGE_TAIL_LINES } from "../../../src/report/run-page/run-page-limits.js";
import type { RunRecord } from "../../../src/runs/run-types.js";
import type { StepSpan } from "../../../src/runs/log-scan.js";
import { run as makeRun } from "../../backend/storage/store-contract.js";
import { eventually } from "../../helpers/eventually.js";
import { readEvents } from "./read-events.js";
import { writeScannedLog } from "./write-scanned-log.js";

let dir: string;
let store: SqliteStore;
let server: Server | null;
let base: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gantry-run-page-"));
  store = new SqliteStore(openDatabase(dir));
  server = null;
});
afterEach(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise((resolve) => server!.close(resolve));
  }
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

async function serve(options: Partial<RunPageOptions> = {}): Promise<void> {
  const handler = createRunPageHandler({ store, dataDir: dir, access: allowEveryone, eventTiming: { scanPollMs: 20, statePollMs: 50, pingMs: 60_000 }, ...options });
  server = createServer((request, response) => {
    handler(request, response).then(
      (handled) => {
        if (!handled) response.writeHead(404).end("not mine");
      },
      (error: unknown) => {
        if (!response.headersSent) response.writeHead(500);
        response.end(String(error));
      },
    );
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

async function addRun(overrides: Partial<RunRecord> = {}): Promise<RunRecord> {
  const id = randomUUID();
  const record = makeRun(id, `delivery-${id}`, "build", { state: "running", attempt: 1, startedAt: 2_000, createdAt: 1_000, ...overrides });
  await store.addRuns([record]);
  return record;
}

const step = (index: number, name: string, startLine: number, endLine: number | null, conclusion: StepSpan["conclusion"] = null): StepSpan => ({
  index,
  name,
  startLine,
  startByte: 0,
  endLine,
  endByte: null,
  conclusion,
  durationMs: conclusion ? 1500 : null,
});

const numbered = (count: number, from = 1) => Array.from({ length: count }, (_, i) => `line ${from + i}\n`).join("");

describe("the run page", () => {
  it("escapes every text from the run: repository, ref, commit, steps, groups, annotations, log lines", async () => {
    await serve();
    const run = await addRun({
      push: {
        ...makeRun("x", "y", "z").push,
        owner: "<img src=x onerror=alert(1)>",
        repo: "app\"><script>alert(2)</script>",
        ref: "refs/heads/<script>alert(3)</script>",
        sha: "\"onmouseover=alert(4)",
        headCommit: { id: "a", author: "<b onclick=alert(5)>mona</b>", message: "fix <script>alert(6)</script>\nbody \" onfocus=alert(7)" },
      },
      pipeline: { ...makeRun("x", "y", "z").pipeline, name: "<iframe src=javascript:alert(8)>" },
    });
    await writeScannedLog(dir, run.id, 1, "==> <svg onload=alert(9)>\n::group::<marquee>title</marquee>\n<script>alert(10)</script>\n::endgroup::\n\u001b[31m<img src=x onerror=alert(11)>\u001b[0m\n", {
      steps: [step(0, "<svg onload=alert(9)>", 1, null)],
      groups: [{ title: "<marquee>title</marquee>", startLine: 2, endLine: 4 }],
      annotations: [{ path: "src/<x>.ts", line: 3, message: "<img src=y onerror=alert(12)>", title: "<h1>t</h1>", logLine: 5, level: "warning" }],
      firstErrorLine: 5,
    });
    const response = await fetch(`${base}/runs/${run.id}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await response.text();
    expect(html).not.toMatch(/<script>alert|<(img|svg|iframe|marquee|b)[\s>]|<h1>t/i);
    expect(html).not.toMatch(/<script>/);
    for (const escaped of [
      "&lt;img src=x onerror=alert(1)&gt;/app&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;",
      "&lt;script&gt;alert(3)&lt;/script&gt;",
      "&quot;onmouseover=alert(4)",
      "&lt;b onclick=alert(5)&gt;mona&lt;/b&gt;",
      "fix &lt;script&gt;alert(6)&lt;/script&gt;",
      "body &quot; onfocus=alert(7)",
      "&lt;iframe src=javascript:alert(8)&gt;",
      "&lt;svg onload=alert(9)&gt;",
      "&lt;marquee&gt;title&lt;/marquee&gt;",
      "&lt;script&gt;alert(10)&lt;/script&gt;",
      '<span class="ansi-red-fg">&lt;img src=x onerror=alert(11)&gt;</span>',
      "&lt;img src=y onerror=alert(12)&gt;",
      "&lt;h1&gt;t&lt;/h1&gt;",
      "src/&lt;x&gt;.ts:3",
    ]) {
      expect(html).toContain(escaped);
    }
    // every tag is one the page makes, with attributes the page sets: no event handlers, no inline style
    const tags = html.match(/<[a-z][^>]*>/gi)!;
    for (const tag of tags) {
      // attribute values are escaped, so a value ends at the next quote: what is left are the attribute names
      expect(tag.replace(/"[^"]*"/g, '""')).not.toMatch(/\s(on\w+|style)\s*=/i);
      expect(tag).toMatch(/^<(!doctype|html|head|meta|title|link|script|body|header|h1|h2|dl|dt|dd|code|span|nav|a|main|form|input|button|section|ol|li|p|details|summary|div)[\s>]/i);
    }
  });

  it("has a strict CSP and no inline script or style; its script and stylesheet are files", async () => {
    await serve();
    const run = await addRun();
    await writeScannedLog(dir, run.id, 1, "hello\n");
    const response = await fetch(`${base}/runs/${run.id}`);
    expect(response.headers.get("content-security-policy")).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    expect(response.headers.get("content-security-policy")).toBe(RUN_PAGE_CSP);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect(response.headers.get("cache-control")).toBe("private, no-store");
    const html = await response.text();
    const scripts = html.match(/<script[^>]*>[\s\S]*?<\/script>/g)!;
    expect(scripts).toEqual(['<script type="module" src="/runs/assets/run-page.js"></script>']);
    expect(html).not.toMatch(/<style|\sstyle=/);
    expect(html).toContain('<link rel="stylesheet" href="/runs/assets/run-page.css">');

    const script = await fetch(`${base}/runs/assets/run-page.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(script.headers.get("x-content-type-options")).toBe("nosniff");
    const code = await script.text();
    expect(code).toContain("EventSource");
    expect(code).not.toContain("sourceMappingURL");
    const style = await fetch(`${base}/runs/assets/run-page.css`);
    expect(style.headers.get("content-type")).toBe("text/css; charset=utf-8");
    const css = await style.text();
    expect(css).toContain(".ansi-red-fg");
    expect(css).toContain(".ansi-c208-fg");
  });

  it("shows steps as foldable sections with the failing one open, groups folded, and the first error linked", async () => {
    await serve();
    const run = await addRun();
    const text = "preamble\n==> checkout\ncloned\n==> build\n::group::deps\ninstalling\n::endgroup::\nerror TS2322\n==> test\nok\n";
    await writeScannedLog(dir, run.id, 1, text, {
      steps: [step(0, "checkout", 2, 3, "success"), step(1, "build", 4, 8, "failure"), step(2, "test", 9, null)],
      groups: [{ title: "deps", startLine: 5, endLine: 7 }],
      annotations: [{ path: "src/a.ts", line: 3, message: "Type 'string' is not assignable", logLine: 8 }],
      firstErrorLine: 8,
    });
    const html = await (await fetch(`${base}/runs/${run.id}`)).text();
    expect(html).toMatch(/<div id="log-preamble" class="step-lines"><div class="line" id="L1" data-line="1">/);
    expect(html).toMatch(/<details class="step" id="step-0" data-step="0" data-start="2" data-end="3" data-conclusion="success">/);
    expect(html).toMatch(/<details class="step" id="step-1" data-step="1" data-start="4" data-end="8" data-conclusion="failure" open>/);
    expect(html).toMatch(/<details class="step" id="step-2" data-step="2" data-start="9" data-end="" data-conclusion="" open>/);
    expect(html).toMatch(/<details class="group" data-start="5" data-end="7"><summary class="group-title">deps<\/summary><div class="group-lines"><div class="line" id="L5"[^]*id="L7"[^]*<\/div><\/details><div class="line" id="L8"/);
    expect(html).toContain('<a id="jump-first-error" href="#L8">');
    expect(html).toContain('<li class="annotation level-failure" id="annotation-0" data-line="8"><a class="annotation-link" href="#L8">');
    expect(html).toMatch(/id="L8"[^]*<a class="annotation-marker" href="#annotation-0"/);
    expect(html).toContain(`<a id="download-log" href="/runs/${run.id}/log?attempt=1">`);
    expect(html).toContain('<input id="search-input" name="q"');
    expect(html).toContain('<span id="run-state" class="state state-running" data-state="running">running</span>');
    expect(html).toContain('data-live="true"');
  });

  it("shows the last lines of a long log and loads earlier ones by number, seeking with the line index", async () => {
    await serve();
    const run = await addRun();
    const total = 200_000;
    const scan = await writeScannedLog(dir, run.id, 1, numbered(total));
    const html = await (await fetch(`${base}/runs/${run.id}`)).text();
    const first = total - PAGE_TAIL_LINES + 1;
    expect(html).toContain(`data-first-line="${first}"`);
    expect(html).toContain(`data-total-lines="${total}"`);
    expect(html).toContain(`id="L${total}"`);
    expect(html).toContain(`id="L${first}"`);
    expect(html).not.toContain(`id="L${first - 1}"`);
    expect(html).toMatch(/<button id="load-earlier" type="button">/);
    expect(html.length).toBeLessThan(400_000);

    // near the end of a 2 MB log, a read goes through a few kB: the index took it there
    const read = await readRenderedLines(runLogFiles(dir, run.id, 1), scan, 199_000, 100);
    expect(read.lines.map((line) => line.n)).toEqual(Array.from({ length: 100 }, (_, i) => 199_000 + i));
    expect(read.lines[0]!.html).toContain(">line 199000</span>");
    expect(read.bytesRead).toBeLessThan(128 * 1024);
    const middle = await readRenderedLines(runLogFiles(dir, run.id, 1), scan, 100_001, 1);
    expect(middle.lines[0]!.html).toContain(">line 100001</span>");
    expect(middle.bytesRead).toBeLessThan(128 * 1024);

    const answer = (await (await fetch(`${base}/runs/${run.id}/lines?from=5&to=7`)).json()) as { totalLines: number; lines: Array<{ n: number; html: string }> };
    expect(answer.totalLines).toBe(total);
    expect(answer.lines.map((line) => line.n)).toEqual([5, 6, 7]);
    expect(answer.lines[2]!.html).toContain(">line 7</span>");
    const bounded = (await (await fetch(`${base}/runs/${run.id}/lines?from=1&to=${total}`)).json()) as { lines: unknown[] };
    expect(bounded.lines).toHaveLength(MAX_LINES_PER_READ);
    const past = (await (await fetch(`${base}/runs/${run.id}/lines?from=${total + 1}&to=${total + 10}`)).json()) as { lines: unknown[] };
    expect(past.lines).toEqual([]);
    expect((await fetch(`${base}/runs/${run.id}/lines?from=0&to=3`)).status).toBe(400);
    expect((await fetch(`${base}/runs/${run.id}/lines?from=9&to=3`)).status).toBe(400);
  });

  it("never shows what lies past the scanner's mark: page, lines, events, search, download", async () => {
    await serve();
    const run = await addRun();
    await writeScannedLog(dir, run.id, 1, "one\ntwo\n::add-mask::hunter2\nhunter2 UNSCANNED\n", { scannedBytes: 8 });
    const page = await (await fetch(`${base}/runs/${run.id}`)).text();
    expect(page).toContain(">two</span>");
    expect(page).not.toMatch(/hunter2|UNSCANNED/);
    const lines = await (await fetch(`${base}/runs/${run.id}/lines?from=1&to=10`)).text();
    expect(lines).toContain("two");
    expect(lines).not.toMatch(/hunter2|UNSCANNED/);
    const search = (await (await fetch(`${base}/runs/${run.id}/search?q=hunter2`)).json()) as { hits: unknown[] };
    expect(search.hits).toEqual([]);
    const raw = await fetch(`${base}/runs/${run.id}/log`);
    expect(raw.status).toBe(200);
    expect(raw.headers.get("content-disposition")).toBe(`attachment; filename="gantry-${run.id}-1.log"`);
    expect(raw.headers.get("cache-control")).toBe("private, no-store");
    expect(await raw.text()).toBe("one\ntwo\n");
    const events = readEvents(`${base}/runs/${run.id}/events?from=0`);
    await events.opened;
    await eventually("the scanned lines", async () => events.events.some((event) => event.event === "lines"));
    await new Promise((resolve) => setTimeout(resolve, 100));
    events.close();
    expect(JSON.stringify(events.events)).toContain("two");
    expect(JSON.stringify(events.events)).not.toMatch(/hunter2|UNSCANNED/);
  });

  it("searches the whole log on the server: beyond the lines shown, through ANSI escapes, literally, ignoring case", async () => {
    await serve();
    const run = await addRun();
    const text = `build \u001b[31mFat\u001b[0mAL: disk full\nregex a.*b here\naxxb\n${numbered(50_000, 4)}`;
    await writeScannedLog(dir, run.id, 1, text);
    const search = async (q: string) =>
      (await (await fetch(`${base}/runs/${run.id}/search?q=${encodeURIComponent(q)}`)).json()) as { hits: Array<{ line: number; snippet: string; matchStart: number; matchLength: number }>; truncated: boolean };
    const fatal = await search("fatal: DISK");
    expect(fatal.hits).toEqual([{ line: 1, snippet: "build FatAL: disk full", matchStart: 6, matchLength: 11 }]);
    expect((await search("a.*b")).hits.map((hit) => hit.line)).toEqual([2]);
    expect((await search("line 50003")).hits.map((hit) => hit.line)).toEqual([50_003]);
    const many = await search("line");
    expect(many.hits).toHaveLength(MAX_SEARCH_HITS);
    expect(many.truncated).toBe(true);
    expect((await fetch(`${base}/runs/${run.id}/search?q=${"x".repeat(201)}`)).status).toBe(400);
  });

  it("keeps every attempt's log: the latest by default, earlier ones with ?attempt=", async () => {
    await serve();
    const run = await addRun({ attempt: 2 });
    await writeScannedLog(dir, run.id, 1, "output of the first attempt\n", { complete: true });
    await writeScannedLog(dir, run.id, 2, "output of the second attempt\n");
    const latest = await (await fetch(`${base}/runs/${run.id}`)).text();
    expect(latest).toContain("second attempt");
    expect(latest).not.toContain("first attempt");
    expect(latest).toContain(`<a class="attempt" data-attempt="1" href="/runs/${run.id}?attempt=1">1</a>`);
    expect(latest).toContain(`<a class="attempt current" data-attempt="2" href="/runs/${run.id}?attempt=2">2</a>`);
    const earlier = await (await fetch(`${base}/runs/${run.id}?attempt=1`)).text();
    expect(earlier).toContain("first attempt");
    expect(earlier).toContain('data-attempt="1"');
    expect(await (await fetch(`${base}/runs/${run.id}/log?attempt=1`)).text()).toBe("output of the first attempt\n");
    expect(await (await fetch(`${base}/runs/${run.id}/lines?attempt=1&from=1&to=1`)).text()).toContain("first attempt");
    for (const attempt of ["3", "0", "x", "-1"]) expect((await fetch(`${base}/runs/${run.id}?attempt=${attempt}`)).status).toBe(404);
  });

  it("answers 404 for a run it does not know, on every endpoint", async () => {
    await serve();
    for (const path of ["", "/lines?from=1&to=2", "/events", "/search?q=x", "/log"]) {
      const response = await fetch(`${base}/runs/${randomUUID()}${path}`);
      expect(response.status).toBe(404);
    }
  });

  it("shows the state and the tail kept with the result when the log is not scanned here", async () => {
    await serve();
    const run = await addRun({ state: "completed", result: { conclusion: "failure", steps: [{ name: "make <all>", conclusion: "failure", exitCode: 2, durationMs: 10 }], logTail: "make: *** <error> 2\n", durationMs: 10 } });
    const html = await (await fetch(`${base}/runs/${run.id}`)).text();
    expect(html).toContain('<p id="log-unscanned">');
    expect(html).toContain('<pre id="log-tail">make: *** &lt;error&gt; 2\n</pre>');
    expect(html).toContain("make &lt;all&gt;");
    expect((await fetch(`${base}/runs/${run.id}/log`)).status).toBe(404);
  });

  it("shows no log anywhere to a viewer without access, and links to sign in", async () => {
    const asked: string[] = [];
    const access: RunAccess = async (request, run) => {
      asked.push(`${request.url} ${run.id}`);
      return { allowed: false, signInUrl: '/auth/github?return="x"&y=<1>' };
    };
    await serve({ access });
    const run = await addRun({ push: { ...makeRun("x", "y", "z").push, repo: "secret-repo", headCommit: { id: "a", author: "mona", message: "secret plans" } } });
    await writeScannedLog(dir, run.id, 1, "SECRET LOG LINE\n", { steps: [step(0, "SECRET STEP", 1, null)], annotations: [{ path: "a", line: 1, message: "SECRET ANNOTATION", logLine: 1 }] });
    const page = await fetch(`${base}/runs/${run.id}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toMatch(/SECRET|secret/);
    expect(html).toContain('<span id="run-state" class="state state-running" data-state="running">running</span>');
    expect(html).toContain('<a id="sign-in" href="/auth/github?return=&quot;x&quot;&amp;y=&lt;1&gt;">Sign in with GitHub</a>');
    expect(html).not.toContain("<script");
    for (const path of ["/lines?from=1&to=2", "/events", "/search?q=SECRET", "/log"]) {
      const response = await fetch(`${base}/runs/${run.id}${path}`);
      expect(response.status).toBe(403);
      expect(await response.text()).not.toMatch(/SECRET|secret/);
    }
    expect(asked).toHaveLength(5);
    await store.close();
    store = new SqliteStore(openDatabase(dir));
  });

  it("shows only the sign-in-less state page when there is no way to sign in", async () => {
    await serve({ access: async () => ({ allowed: false, signInUrl: null }) });
    const run = await addRun();
    await writeScannedLog(dir, run.id, 1, "SECRET\n");
    const html = await (await fetch(`${base}/runs/${run.id}`)).text();
    expect(html).not.toContain("SECRET");
    expect(html).not.toContain('id="sign-in"');
    expect(html).toContain('id="access-denied"');
  });
});

describe("the run's events", () => {
  type LinesEvent = { lines: Array<{ n: number; html: string }> };
  const linesOf = (events: ReturnType<typeof readEvents>["events"]) =>
    events.filter((event) => event.event === "lines").flatMap((event) => (JSON.parse(event.data) as LinesEvent).lines.map((line) => line.n));

  it("follows a growing log with ids at byte positions, resumes from Last-Event-ID without loss or doubling, and ends", async () => {
    await serve();
    const run = await addRun();
    let text = numbered(3);
    await writeScannedLog(dir, run.id, 1, text, { steps: [step(0, "build", 1, null)] });
    const first = readEvents(`${base}/runs/${run.id}/events?from=${Buffer.byteLength(text)}`);
    await first.opened;
    expect(first.status).toBe(200);
    expect(first.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    expect(first.headers["x-accel-buffering"]).toBe("no");
    expect(first.headers["cache-control"]).toBe("private, no-store");
    await eventually("the first state", async () => first.events.find((event) => event.event === "state"));
    expect(first.events[0]!.id).toBe(String(Buffer.byteLength(text)));
    expect(JSON.parse(first.events[0]!.data)).toMatchObject({ state: "running", steps: [{ name: "build", startLine: 1 }] });

    text += numbered(2, 4);
    await writeScannedLog(dir, run.id, 1, text, { steps: [step(0, "build", 1, null)] });
    await eventually("lines 4 and 5", async () => linesOf(first.events).includes(5));
    const lastLines = first.events.filter((event) => event.event === "lines").at(-1)!;
    expect(lastLines.id).toBe(String(Buffer.byteLength(text)));
    first.close();

    // while no one listens the log grows; the reconnect sends exactly what was missed
    text += numbered(1500, 6);
    await writeScannedLog(dir, run.id, 1, text, { steps: [step(0, "build", 1, null)] });
    const second = readEvents(`${base}/runs/${run.id}/events?from=0`, { "last-event-id": lastLines.id! });
    await second.opened;
    await eventually("line 1505", async () => linesOf(second.events).includes(1505));
    const seen = [...linesOf(first.events), ...linesOf(second.events)];
    expect(seen).toEqual(Array.from({ length: 1502 }, (_, i) => i + 4));
    const ids = second.events.filter((event) => event.event === "lines").map((event) => Number(event.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids.at(-1)).toBe(Buffer.byteLength(text));

    // the step ends, the run completes: a state event, then the end
    text += "done\n";
    await writeScannedLog(dir, run.id, 1, text, { steps: [step(0, "build", 1, 1506, "success")], complete: true });
    await store.updateRun(run.id, [], { state: "completed", completedAt: 9_000, result: { conclusion: "success", steps: [], durationMs: 7_000 } });
    await eventually("the end", async () => second.ended);
    const kinds = second.events.map((event) => event.event);
    expect(kinds.at(-1)).toBe("end");
    expect(linesOf(second.events).at(-1)).toBe(1506);
    const states = second.events.filter((event) => event.event === "state").map((event) => JSON.parse(event.data) as { state: string; steps: Array<{ conclusion: string | null }> });
    expect(states.at(-1)).toMatchObject({ state: "completed", conclusion: "success", steps: [{ conclusion: "success" }] });
    expect(second.events.at(-1)!.id).toBe(String(Buffer.byteLength(text)));
  });

  it("never sends a whole long log: far behind, it skips to the last part and says what it left out", async () => {
    await serve();
    const run = await addRun();
    const total = 20_000;
    const scan = await writeScannedLog(dir, run.id, 1, numbered(total));
    const events = readEvents(`${base}/runs/${run.id}/events?from=0`);
    await events.opened;
    await eventually("the last line", async () => linesOf(events.events).includes(total));
    events.close();
    const skipped = events.events.filter((event) => event.event === "skipped");
    expect(skipped.map((event) => JSON.parse(event.data))).toEqual([{ fromLine: 1, toLine: total - PAGE_TAIL_LINES }]);
    expect(skipped[0]!.id).toBe("0");
    expect(linesOf(events.events)).toEqual(Array.from({ length: PAGE_TAIL_LINES }, (_, i) => total - PAGE_TAIL_LINES + 1 + i));
    expect(events.events.filter((event) => event.event === "lines").at(-1)!.id).toBe(String(scan.bytes));
  });

  it("pings an idle stream", async () => {
    await serve({ eventTiming: { scanPollMs: 20, statePollMs: 50, pingMs: 100 } });
    const run = await addRun();
    await writeScannedLog(dir, run.id, 1, "a\n");
    const events = readEvents(`${base}/runs/${run.id}/events`);
    await events.opened;
    await eventually("two pings", async () => events.comments.filter((comment) => comment === "ping").length >= 2);
    expect(linesOf(events.events)).toEqual([]); // from the current end when no position is given
    events.close();
  });

  it("refuses a position where no line starts, and more streams than its limit", async () => {
    await serve({ maxEventStreams: 1 });
    const run = await addRun();
    await writeScannedLog(dir, run.id, 1, "abc\ndef\n");
    expect((await fetch(`${base}/runs/${run.id}/events?from=2`)).status).toBe(400);
    expect((await fetch(`${base}/runs/${run.id}/events?from=99`)).status).toBe(400);
    expect((await fetch(`${base}/runs/${run.id}/events?from=x`)).status).toBe(400);
    const open = readEvents(`${base}/runs/${run.id}/events?from=4`);
    await open.opened;
    await eventually("line 2", async () => linesOf(open.events).includes(2));
    expect(linesOf(open.events)).toEqual([2]);
    const refused = await fetch(`${base}/runs/${run.id}/events`);
    expect(refused.status).toBe(503);
    open.close();
    await eventually("the slot freed", async () => (await fetch(`${base}/runs/${run.id}/events?from=8`).then((r) => (r.body?.cancel(), r.status))) === 200);
  });

  it("ends at once for a completed run whose log was all sent", async () => {
    await serve();
    const run = await addRun({ state: "completed", completedAt: 3_000, result: { conclusion: "failure", steps: [], durationMs: 1_000 } });
    await writeScannedLog(dir, run.id, 1, "x\ny\n", { complete: true });
    const events = readEvents(`${base}/runs/${run.id}/events?from=0`);
    await events.opened;
    await eventually("the end", async () => events.ended);
    expect(events.events.map((event) => event.event)).toEqual(["state", "lines", "end"]);
    expect(linesOf(events.events)).toEqual([1, 2]);
  });
});
