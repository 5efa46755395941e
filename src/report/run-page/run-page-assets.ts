import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { runPageStyle } from "./run-page-style.js";

/** Where the page's script and stylesheet are served: files, since the CSP allows no inline script or style. */
export const RUN_PAGE_ASSETS = { js: "/runs/assets/run-page.js", css: "/runs/assets/run-page.css" } as const;

export interface Asset {
  contentType: string;
  body: Buffer;
}

/**
 * The page's assets, read once at start-up: the browser script compiled by the normal build beside this file
 * (dist/report/run-page/browser/run-page-script.js). Run from the sources (the tests), the script is compiled
 * from its .ts here with TypeScript, a dev dependency that a build never needs.
 */
export function loadRunPageAssets(): Map<string, Asset> {
  const compiled = fileURLToPath(new URL("./browser/run-page-script.js", import.meta.url));
  let script: string;
  if (existsSync(compiled)) script = readFileSync(compiled, "utf8");
  else {
    const source = readFileSync(fileURLToPath(new URL("./browser/run-page-script.ts", import.meta.url)), "utf8");
    const ts = createRequire(import.meta.url)("typescript") as typeof import("typescript");
    script = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022 } }).outputText;
  }
  // the build's source map comment points at a file not served
  script = script.replace(/\n\/\/# sourceMappingURL=.*$/, "\n");
  return new Map([
    [RUN_PAGE_ASSETS.js, { contentType: "text/javascript; charset=utf-8", body: Buffer.from(script) }],
    [RUN_PAGE_ASSETS.css, { contentType: "text/css; charset=utf-8", body: Buffer.from(runPageStyle()) }],
  ]);
}
