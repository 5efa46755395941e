// Writes test/fixtures/openapi-extra.json: the operations the fake GitHub serves beyond
// test/fixtures/openapi-subset.json, copied from the same @octokit/openapi 23.0.2 package (every $ref already
// resolved inline, as in the subset). The package is not a dependency; install it outside the project first:
//   npm i --prefix /tmp/openapi @octokit/openapi@23.0.2
//   node scripts/generate-openapi-extra.mjs /tmp/openapi/node_modules/@octokit/openapi
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const VERSION = "23.0.2";
/** [method, path template]: what the run page's sign-in asks GitHub with the viewer's own token. */
const OPERATIONS = [
  ["get", "/user"],
  ["get", "/repos/{owner}/{repo}"],
];

const packageDir = process.argv[2];
if (!packageDir) {
  console.error("usage: node scripts/generate-openapi-extra.mjs <path to @octokit/openapi's package directory>");
  process.exit(2);
}
const { version } = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));
if (version !== VERSION) {
  console.error(`@octokit/openapi ${version} found; the subset is from ${VERSION}: install @octokit/openapi@${VERSION}`);
  process.exit(1);
}
const spec = JSON.parse(readFileSync(join(packageDir, "generated", "api.github.com.deref.json"), "utf8"));
const paths = {};
for (const [method, template] of OPERATIONS) {
  const operation = spec.paths[template]?.[method];
  if (!operation) throw new Error(`${method.toUpperCase()} ${template} is not in @octokit/openapi ${version}`);
  paths[template] = { ...paths[template], [method]: operation };
}
const extra = {
  openapi: spec.openapi,
  info: {
    ...spec.info,
    description:
      `Operations of GitHub's official REST OpenAPI description (api.github.com), from npm package @octokit/openapi ${VERSION} (MIT), ` +
      "that test/fixtures/openapi-subset.json lacks; every $ref is resolved inline. Made by scripts/generate-openapi-extra.mjs: " +
      OPERATIONS.map(([m, t]) => `${spec.paths[t][m].operationId}`).join(", ") +
      " (the run page's sign-in, with the viewer's own token).",
  },
  paths,
};
const out = new URL("../test/fixtures/openapi-extra.json", import.meta.url);
writeFileSync(out, JSON.stringify(extra, null, 2) + "\n");
console.log(`wrote ${out.pathname}: ${OPERATIONS.length} operations`);
