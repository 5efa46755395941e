#!/usr/bin/env node
// Writes schema/gantry.schema.json from the compiled config schema; run after `tsc -p tsconfig.build.json`.
// test/config/json-schema.test.ts fails when the committed file and the schema drift apart.
import { writeFileSync } from "node:fs";
import { buildJsonSchema } from "../dist/config/json-schema.js";

const target = new URL("../schema/gantry.schema.json", import.meta.url);
writeFileSync(target, `${JSON.stringify(buildJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
