import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { launchBrowser } from "./launch-browser.js";
import { startStack, type Stack } from "../e2e/stack.js";

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  stack = await startStack();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe("the run page in chromium", () => {
  it("opens a finished run's page and shows what its step printed", async () => {
    const repo = await stack.repo("smoke", {
      ".github/gantry.yml": "pipelines:\n  build:\n    steps:\n      - run: echo smoke-test-output\n",
    });
    const { sha } = await stack.push(repo, {});
    const run = await stack.completed(repo, sha, "build");
    const page = await browser.newPage();
    await page.goto(`${stack.app.url}/runs/${run.external_id}`);
    expect(await page.textContent("body")).toContain("smoke-test-output");
    await page.close();
  });
});
