import { createConnection, createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchBrowser } from "./launch-browser.js";
import { startStack, type Stack } from "../e2e/stack.js";
import { eventually } from "../helpers/eventually.js";
import type { HostedRepo } from "../fake-github/fake-github.js";

// A run's page opened while its step still prints: new lines and the end of the run arrive without a reload,
// and a broken connection resumes where it stopped (Last-Event-ID), losing and doubling nothing.
const TICKING = (count: number, pause: string) =>
  `pipelines:\n  build:\n    steps:\n      - name: Ticking\n        run: |\n          for i in $(seq 1 ${count}); do echo "tick-$i"; sleep ${pause}; done\n`;

/** A TCP relay in front of the app whose connections the test can cut, as a flaky network would. */
interface Relay {
  url: string;
  /** The request line and headers of each request sent through it. */
  requests: string[];
  cut(): void;
  close(): Promise<void>;
}

async function startRelay(target: URL): Promise<Relay> {
  const sockets = new Set<Socket>();
  const requests: string[] = [];
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    sockets.add(client).add(upstream);
    // a connection is kept alive for several requests: each one starts a chunk (they are small)
    client.on("data", (chunk: Buffer) => {
      const text = chunk.toString("latin1");
      if (/^[A-Z]+ \S+ HTTP\/1\.1\r\n/.test(text)) requests.push(text);
    });
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    cut: () => {
      for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

let stack: Stack;
let browser: Browser;
let relay: Relay;

beforeAll(async () => {
  stack = await startStack();
  browser = await launchBrowser();
  relay = await startRelay(new URL(stack.app.url));
});

afterAll(async () => {
  await browser?.close();
  await relay?.close();
  await stack?.stop();
});

/** Pushes and waits until the run's step has printed its first tick; the run's id. */
async function runningRun(repo: HostedRepo): Promise<{ id: string; sha: string }> {
  const { sha } = await stack.push(repo, {});
  const check = await stack.fake.waitFor(
    () => stack.fake.checkRunsFor(repo.owner, repo.name).find((c) => c.head_sha === sha && c.name === "build" && c.status === "in_progress" && c.external_id),
    30_000,
  );
  const id = check.external_id!;
  await eventually("the first tick in the log", async () => (await (await fetch(`${stack.app.url}/runs/${id}/log`)).text()).includes("tick-1\n"), 30_000);
  return { id, sha };
}

/** The numbers of the tick lines on the page, in the page's order. */
function ticks(page: Page): Promise<number[]> {
  return page
    .locator("div.line span.line-text")
    .evaluateAll((texts) => texts.map((text) => /^tick-(\d+)$/.exec(text.textContent ?? "")?.[1]).filter((n) => n !== undefined).map(Number));
}

const oneTo = (count: number) => Array.from({ length: count }, (_, i) => i + 1);

describe("a running run's page in chromium", () => {
  it("shows new lines while the step prints, and the run's end, without a reload", async () => {
    const repo = await stack.repo("live", { ".github/gantry.yml": TICKING(20, "0.4") });
    const { id, sha } = await runningRun(repo);
    const page = await browser.newPage();
    await page.goto(`${stack.app.url}/runs/${id}`);
    await page.evaluate(() => {
      (window as unknown as { __sameDocument: boolean }).__sameDocument = true;
    });
    expect(await page.locator("#log").getAttribute("data-live")).toBe("true");
    expect(await page.locator("#run-state").getAttribute("data-state")).toBe("running");
    const atOpen = await ticks(page);
    expect(atOpen.length).toBeLessThan(20);

    await expect.poll(() => ticks(page), { timeout: 30_000 }).toEqual(oneTo(20));
    await expect.poll(() => page.locator("#run-state").getAttribute("data-state"), { timeout: 15_000 }).toBe("completed");
    expect(await page.locator("#run-conclusion").getAttribute("data-conclusion")).toBe("success");
    expect(await page.locator("#run-header").getAttribute("data-state")).toBe("completed");
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await stack.completed(repo, sha, "build");
    await page.close();
  });

  it("resumes after its connection breaks, with every line once and in order", async () => {
    const repo = await stack.repo("flaky", { ".github/gantry.yml": TICKING(60, "0.25") });
    const { id, sha } = await runningRun(repo);
    const page = await browser.newPage();
    const eventStreams = () => relay.requests.filter((request) => request.startsWith(`GET /runs/${id}/events`));
    await page.goto(`${relay.url}/runs/${id}`);
    await expect.poll(() => eventStreams().length).toBe(1);
    const seen = (await ticks(page)).length;
    await expect.poll(async () => (await ticks(page)).length).toBeGreaterThan(seen);

    relay.cut();
    // the browser reconnects (the stream asks for 2 s) and says where it stopped
    await expect.poll(() => eventStreams().length, { timeout: 10_000 }).toBe(2);
    expect(eventStreams()[1]).toMatch(/^last-event-id: \d+\r$/im);
    const resumed = (await ticks(page)).length;
    await expect.poll(async () => (await ticks(page)).length, { timeout: 10_000 }).toBeGreaterThan(resumed);
    relay.cut();
    await expect.poll(() => eventStreams().length, { timeout: 10_000 }).toBe(3);

    await expect.poll(() => page.locator("#run-state").getAttribute("data-state"), { timeout: 30_000 }).toBe("completed");
    expect(await ticks(page)).toEqual(oneTo(60));
    expect(await page.locator("div.line").evaluateAll((lines) => new Set(lines.map((line) => line.id)).size === lines.length)).toBe(true);
    await stack.completed(repo, sha, "build");
    await page.close();
  });
});
