import { mkdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchBrowser } from "./launch-browser.js";
import { startStack, type Stack } from "../e2e/stack.js";

// What finished runs look like in chromium: colours, hostile output, folding, line links, the first error, an
// annotation's link and search. Each run's output is computed by the shell where a test looks for a word, so the
// word is in what the step printed and never in the command the log may show.
const PIPELINE = (steps: string) => `pipelines:\n  build:\n    steps:\n${steps}`;

const RENDER = PIPELINE(`      - name: Colours
        run: |
          printf '\\033[31mred\\033[0m plain\\n'
          echo '<script>window.__injected = 1; alert(1)</script><img src=x onerror="window.__injected = 2; alert(2)">'
      - name: Grouped
        run: |
          echo before-group
          echo "::group::Inside the group"
          echo "grouped-$((6*7))"
          echo "::endgroup::"
          echo after-group
`);

// 5,000 numbered lines; line 20 of the step's output holds a word found nowhere else
const LONG = PIPELINE(`      - name: Numbers
        run: |
          for i in $(seq 1 5000); do if [ "$i" -eq 20 ]; then echo "nee""dle-$i"; else echo "number-$i"; fi; done
`);

const ERROR = PIPELINE(`      - name: Filler
        run: seq 1 300
      - name: Type check
        run: |
          echo "src/a.ts(3,5): error TS2322: Type 'string' is not assignable to type 'number'."
          seq 1 300
          exit 1
`);

// The README's screenshot: a failing build with colours, a group and a type error (fixed content; only the
// commit, the times and the durations change from one run to the next).
const SCREENSHOT = PIPELINE(`      - name: Show the toolchain
        run: echo "node v20.18.1, npm 10.8.2"
      - name: Build and type-check
        run: |
          echo "::group::Install dependencies"
          echo "npm ci --no-audit"
          printf '\\033[33mnpm warn\\033[0m deprecated inflight@1.0.6: This module is not supported\\n'
          printf '\\033[32madded 312 packages\\033[0m in 4s\\n'
          echo "::endgroup::"
          printf '\\033[1;36mvite\\033[0m v5.4.10 \\033[32mbuilding for production...\\033[0m\\n'
          printf '\\033[32m✓\\033[0m 48 modules transformed.\\n'
          printf '\\033[2mdist/\\033[0m\\033[36massets/index-4f2c1a.js\\033[0m  \\033[1m142.31 kB\\033[0m \\033[2m│ gzip: 45.87 kB\\033[0m\\n'
          printf '\\033[32m✓ built in 1.92s\\033[0m\\n'
          echo "tsc --noEmit -p tsconfig.json"
          echo "src/price.ts(3,5): error TS2322: Type 'string' is not assignable to type 'number'."
          printf '\\033[31mFound 1 error in src/price.ts\\033[0m\\n'
          exit 2
`);
// the commit and the durations differ every run: the README's copy is rewritten only when asked, so a test run
// leaves the tree as it was; the screenshot is taken (and checked to be a PNG) either way
const SCREENSHOT_PATH = process.env["UPDATE_SCREENSHOT"] === "1" ? fileURLToPath(new URL("../../docs/run-page.png", import.meta.url)) : join(tmpdir(), `gantry-run-page-${process.pid}.png`);

let stack: Stack;
let browser: Browser;
const runs: Record<"render" | "long" | "error" | "screenshot", string> = { render: "", long: "", error: "", screenshot: "" };

beforeAll(async () => {
  stack = await startStack();
  browser = await launchBrowser();
  const configs = { render: RENDER, long: LONG, error: ERROR, screenshot: SCREENSHOT };
  const source = "export {};\n\nconst n: number = 'x';\n";
  await Promise.all(
    (Object.keys(configs) as Array<keyof typeof configs>).map(async (name) => {
      const repo = await stack.repo(name === "screenshot" ? "storefront" : `display-${name}`, { ".github/gantry.yml": configs[name], "src/a.ts": source, "src/price.ts": source });
      const { sha } = await stack.push(repo, { message: "Show prices in the cart", files: { "src/cart.ts": "export const cart = [];\n" } });
      runs[name] = (await stack.completed(repo, sha, "build", 60_000)).external_id!;
    }),
  );
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function open(path: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${stack.app.url}${path}`);
  return page;
}

/** The log line (div.line) whose text is exactly `text`. */
const lineWithText = (page: Page, text: string) => page.locator("div.line", { has: page.locator("span.line-text", { hasText: new RegExp(`^${text}$`) }) });

/** Whether an element's box lies inside the viewport. */
async function inViewport(page: Page, selector: string): Promise<boolean> {
  return page.locator(selector).evaluate((element) => {
    const box = element.getBoundingClientRect();
    return box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight;
  });
}

describe("a finished run's page in chromium", () => {
  it("renders ANSI colours as classes the stylesheet colours, and keeps markup in the output as text", async () => {
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(`${stack.app.url}/runs/${runs.render}`);
    const red = page.locator("span.line-text span", { hasText: /^red$/ });
    await expect.poll(() => red.count()).toBe(1);
    expect(await red.getAttribute("class")).toMatch(/\bansi-red-fg\b/);
    const [r, g, b] = (await red.evaluate((span) => getComputedStyle(span).color)).match(/\d+/g)!.map(Number);
    expect(r).toBeGreaterThan(150);
    expect(g).toBeLessThan(80);
    expect(b).toBeLessThan(80);
    // " plain" after the reset is not coloured
    expect(await red.evaluate((span) => span.parentElement!.textContent)).toBe("red plain");

    const hostile = page.locator("span.line-text", { hasText: "<script>window.__injected" });
    await expect.poll(() => hostile.count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator("#log script, #log img").count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __injected?: number }).__injected)).toBeUndefined();
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it("folds and unfolds steps and ::group:: sections when their summary is clicked", async () => {
    const page = await open(`/runs/${runs.render}`);
    const grouped = lineWithText(page, "grouped-42");
    const groupStep = page.locator("details.step", { has: page.locator(".step-name", { hasText: "Grouped" }) });
    // a successful run opens its last step; its group starts folded
    await expect.poll(() => groupStep.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
    expect(await lineWithText(page, "before-group").isVisible()).toBe(true);
    expect(await grouped.count()).toBe(1);
    expect(await grouped.isVisible()).toBe(false);
    const group = groupStep.locator("details.group");
    expect(await group.locator("summary.group-title").textContent()).toBe("Inside the group");
    await group.locator("summary.group-title").click();
    await expect.poll(() => grouped.isVisible()).toBe(true);
    // a grouped line's number stays in the column of the step's other numbers
    const numberRight = (line: ReturnType<typeof lineWithText>) => line.locator("a.line-number").evaluate((a) => a.getBoundingClientRect().right);
    expect(await numberRight(grouped)).toBe(await numberRight(lineWithText(page, "before-group")));
    await group.locator("summary.group-title").click();
    await expect.poll(() => grouped.isVisible()).toBe(false);

    await groupStep.locator(":scope > summary").click();
    await expect.poll(() => lineWithText(page, "after-group").isVisible()).toBe(false);
    await groupStep.locator(":scope > summary").click();
    await expect.poll(() => lineWithText(page, "after-group").isVisible()).toBe(true);

    // the first step starts folded; opening it shows its lines
    const colours = page.locator("details.step", { has: page.locator(".step-name", { hasText: "Colours" }) });
    const red = page.locator("span.line-text", { hasText: /^red plain$/ });
    expect(await red.isVisible()).toBe(false);
    await colours.locator(":scope > summary").click();
    await expect.poll(() => red.isVisible()).toBe(true);
    await page.close();
  });

  it("scrolls a line link to its line and highlights it, and highlights a range", async () => {
    const page = await open(`/runs/${runs.long}#L150`);
    await expect.poll(() => page.locator("#L150.highlighted").count()).toBe(1);
    await expect.poll(() => inViewport(page, "#L150")).toBe(true);
    expect(await page.locator(".line.highlighted").count()).toBe(1);
    // the page shows the log's end first: line 150 came on demand, and the end is still there
    expect(Number(await page.locator("#log").getAttribute("data-total-lines"))).toBeGreaterThan(5000);

    await page.evaluate(() => {
      location.hash = "#L10-L20";
    });
    await expect.poll(() => page.locator(".line.highlighted").count()).toBe(11);
    const highlighted = await page.locator(".line.highlighted").evaluateAll((lines) => lines.map((line) => Number((line as HTMLElement).dataset["line"])));
    expect(highlighted).toEqual(Array.from({ length: 11 }, (_, i) => 10 + i));
    await expect.poll(() => inViewport(page, "#L10")).toBe(true);
    await page.close();
  });

  it("finds a line outside the displayed part and shows it when the hit is clicked", async () => {
    const page = await open(`/runs/${runs.long}`);
    await expect.poll(() => page.locator("div.line").count()).toBeGreaterThan(0);
    const target = lineWithText(page, "needle-20");
    expect(await target.count()).toBe(0);
    await page.fill("#search-input", "needle");
    await page.click("#search-button");
    const hit = page.locator("#search-results a.search-hit");
    await expect.poll(() => hit.count()).toBe(1);
    expect(await hit.textContent()).toContain("needle-20");
    const n = await hit.getAttribute("data-line");
    await hit.click();
    await expect.poll(() => target.count()).toBe(1);
    expect(await target.getAttribute("data-line")).toBe(n);
    await expect.poll(() => inViewport(page, `#L${n}`)).toBe(true);
    expect(await target.getAttribute("class")).toMatch(/\bhighlighted\b/);
    await page.close();
  });

  it("jumps to the first error and follows an annotation's link to its line", async () => {
    const page = await open(`/runs/${runs.error}`);
    const annotation = page.locator("#annotations li.annotation.level-failure");
    await expect.poll(() => annotation.count()).toBe(1);
    expect(await annotation.textContent()).toContain("src/a.ts:3");
    expect(await annotation.textContent()).toContain("Type 'string' is not assignable to type 'number'.");
    const n = await annotation.getAttribute("data-line");
    const errorLine = page.locator(`#L${n}`);
    expect(await errorLine.textContent()).toContain("error TS2322");
    expect(await page.locator("#jump-first-error").getAttribute("href")).toBe(`#L${n}`);

    // 300 lines after the error keep it out of sight at first
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    expect(await inViewport(page, `#L${n}`)).toBe(false);
    await page.click("#jump-first-error");
    await expect.poll(() => inViewport(page, `#L${n}`)).toBe(true);
    await expect.poll(() => errorLine.getAttribute("class")).toMatch(/\bhighlighted\b/);

    await page.evaluate(() => {
      location.hash = "";
    });
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    expect(await inViewport(page, `#L${n}`)).toBe(false);
    await annotation.locator("a.annotation-link").click();
    await expect.poll(() => inViewport(page, `#L${n}`)).toBe(true);
    expect(page.url()).toMatch(new RegExp(`#L${n}$`));
    await page.close();
  });

  it("takes the README's screenshot of a failing run", async () => {
    const page = await open(`/runs/${runs.screenshot}`);
    await expect.poll(() => page.locator("#annotations li.annotation").count()).toBe(1);
    await page.locator("details.group summary.group-title").click();
    await expect.poll(() => page.locator("details.group .line").first().isVisible()).toBe(true);
    expect(await page.locator("#run-conclusion").getAttribute("data-conclusion")).toBe("failure");
    expect(await page.locator("span.line-text span.ansi-green-fg").count()).toBeGreaterThan(0);
    await page.evaluate(() => window.scrollTo(0, 0));
    await mkdir(dirname(SCREENSHOT_PATH), { recursive: true });
    await page.screenshot({ path: SCREENSHOT_PATH });
    await page.close();
    const png = await readFile(SCREENSHOT_PATH);
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    expect(png.readUInt32BE(16)).toBe(1280);
    if (process.env["UPDATE_SCREENSHOT"] !== "1") await rm(SCREENSHOT_PATH, { force: true });
  });
});
