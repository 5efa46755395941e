import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFake } from "./fake.js";
import { benchIngest } from "./ingest.js";
import { stopAllTracked } from "./processes.js";

const scratch = mkdtempSync(join(tmpdir(), "gantry-bench-"));
const { fake, app } = await startFake(join(scratch, "repos"));
try {
  const r = await benchIngest({ app, scratch, durationS: Number(process.argv[2] ?? 5), rounds: 1, connections: 50, sizes: ["small"] }, console.log);
  console.log(JSON.stringify(r.summary, null, 1), r.ratioToProbot, r.lost);
} finally {
  await stopAllTracked();
  await fake.close();
}
