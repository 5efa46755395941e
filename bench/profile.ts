import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { ROOT } from "./processes.js";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface HotFunction {
  name: string;
  where: string;
  selfMs: number;
  share: number;
}

/**
 * Top self-time functions of the `.cpuprofile` files (node --cpu-prof) in `dir`, merged; samples in the first
 * `skipMs` of each profile (start-up, warm-up) are left out.
 */
export function topSelfTime(dir: string, count = 15, skipMs = 0): { totalMs: number; idleMs: number; top: HotFunction[] } {
  const self = new Map<string, { name: string; where: string; us: number }>();
  let total = 0;
  let idle = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"))) {
    const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile;
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    let elapsedUs = 0;
    profile.samples.forEach((id, i) => {
      const us = profile.timeDeltas[i] ?? 0;
      elapsedUs += us;
      if (elapsedUs < skipMs * 1000) return;
      const frame = byId.get(id)!.callFrame;
      total += us;
      if (frame.functionName === "(idle)") {
        idle += us;
        return;
      }
      const url = frame.url.startsWith("file://") ? relative(ROOT, new URL(frame.url).pathname) : frame.url;
      const where = url ? `${url}:${frame.lineNumber + 1}` : "(native)";
      const name = frame.functionName || "(anonymous)";
      const key = `${name} ${where}`;
      const entry = self.get(key) ?? { name, where, us: 0 };
      entry.us += us;
      self.set(key, entry);
    });
  }
  const busy = total - idle;
  const top = [...self.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, count)
    .map((e) => ({ name: e.name, where: e.where, selfMs: e.us / 1000, share: busy > 0 ? e.us / busy : 0 }));
  return { totalMs: total / 1000, idleMs: idle / 1000, top };
}
