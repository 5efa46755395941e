import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { launchBrowser } from "./launch-browser.js";
import { startStack, type Stack } from "../e2e/stack.js";

// A private repository's run page in chromium: a signed-out viewer is asked to sign in, the OAuth round trip
// against the fake GitHub (whose authorize page sends the browser straight back) ends on the page with its log,
// and a user GitHub does not let read the repository sees no log. The finished word is computed by the shell.
const CONFIG = `pipelines:\n  build:\n    steps:\n      - run: echo "private-$((6*7))-output"\n`;

let stack: Stack;
let browser: Browser;
let publicUrl: string;
let runId: string;

beforeAll(async () => {
  // the callback GitHub sends the browser to is on the app's public URL: the app's own address (startStack)
  stack = await startStack({}, { oauth: true });
  publicUrl = stack.app.url;
  browser = await launchBrowser();
  const repo = await stack.repo("secret", { ".github/gantry.yml": CONFIG }, { private: true });
  const { sha } = await stack.push(repo, {});
  runId = (await stack.completed(repo, sha, "build")).external_id!;
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe("a private repository's run page in chromium", () => {
  it("asks a signed-out viewer to sign in, and shows the log after the OAuth round trip", async () => {
    stack.fake.setOAuthUser({ login: "mona", id: 77, canRead: ["octo/secret"] });
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${publicUrl}/runs/${runId}`);
    expect(await page.locator("#access-denied").isVisible()).toBe(true);
    expect(await page.locator("#run-state").getAttribute("data-state")).toBe("completed");
    expect(await page.locator("div.line").count()).toBe(0);
    expect(await page.content()).not.toContain("private-42-output");

    const callback = page.waitForResponse((response) => response.url().startsWith(`${publicUrl}/auth/github/callback`));
    await page.click("#sign-in");
    expect((await callback).status()).toBe(303);
    await page.waitForURL(`${publicUrl}/runs/${runId}`, { waitUntil: "load" });
    // the browser went to the fake GitHub's authorize page and came back through the callback
    const authorize = stack.fake.oauthRequests.filter((request) => request.path === "/login/oauth/authorize");
    expect(authorize.length).toBe(1);
    expect(stack.fake.oauthRequests.some((request) => request.path === "/login/oauth/access_token")).toBe(true);
    const line = page.locator("div.line span.line-text", { hasText: /^private-42-output$/ });
    await expect.poll(() => line.count()).toBe(1);
    expect(await line.isVisible()).toBe(true);
    expect(await page.locator("#access-denied").count()).toBe(0);
    expect((await context.cookies()).map((cookie) => cookie.name)).toContain(`gantry_access_${stack.fake.repos.get("octo/secret")!.id}`);
    await context.close();
  });

  it("shows no log to a signed-in user GitHub does not let read the repository", async () => {
    stack.fake.setOAuthUser({ login: "eve", id: 66, canRead: [] });
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${publicUrl}/runs/${runId}`);
    const answer = page.waitForResponse((response) => response.url().startsWith(`${publicUrl}/auth/github/callback`));
    await page.click("#sign-in");
    expect((await answer).status()).toBe(403);
    await page.waitForLoadState("load");
    expect(await page.textContent("body")).toContain("eve");
    expect(await page.content()).not.toContain("private-42-output");

    await page.goto(`${publicUrl}/runs/${runId}`);
    expect(await page.locator("#access-denied").isVisible()).toBe(true);
    expect(await page.locator("div.line").count()).toBe(0);
    expect(await page.content()).not.toContain("private-42-output");
    await context.close();
  });
});
