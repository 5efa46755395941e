import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchFirstStep } from "./first-step.js";
import { benchLogs } from "./logs.js";
import { stopAllTracked } from "./processes.js";

const scratch = mkdtempSync(join(tmpdir(), "gantry-bench-"));
try {
  if (process.argv[2] === "first") console.log(JSON.stringify(await benchFirstStep({ scratch, iterations: 5 }, console.log), null, 1).slice(-1500));
  if (process.argv[2] === "logs") console.log(JSON.stringify(await benchLogs({ scratch, iterations: 2, bytes: 2 ** 30 }, console.log), null, 1).slice(-1500));
} finally {
  await stopAllTracked();
}
