import { createMatcher } from "../src/worker/execution/masking/create-matcher.js";

/** The candidates measured for the masker's search: each counts every occurrence of every needle in a buffer. */
export function matcherCandidates(needles: Buffer[]): Record<string, (data: Buffer) => number> {
  const wuManber = createMatcher(needles);
  const automaton = ahoCorasick(needles);
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  // as a filter only: an alternation finds no match overlapping the previous one
  const alternation = new RegExp(needles.map((needle) => escape(needle.toString("latin1"))).join("|"), "g");
  return {
    "Buffer.indexOf per needle": (data) => {
      let count = 0;
      for (const needle of needles) for (let i = data.indexOf(needle); i !== -1; i = data.indexOf(needle, i + 1)) count++;
      return count;
    },
    "Aho–Corasick (Int32Array DFA)": automaton,
    "latin1 RegExp alternation, /g": (data) => {
      const text = data.toString("latin1");
      alternation.lastIndex = 0;
      let count = 0;
      while (alternation.exec(text)) count++;
      return count;
    },
    "Wu–Manber, 2-byte blocks (chosen)": (data) => {
      let count = 0;
      wuManber(data, data.length, () => count++);
      return count;
    },
  };
}

/** A byte-wise Aho–Corasick automaton with every transition resolved: one table lookup per input byte. */
function ahoCorasick(needles: Buffer[]): (data: Buffer) => number {
  const next: Int32Array[] = [new Int32Array(256).fill(-1)];
  const ends: boolean[] = [false];
  for (const needle of needles) {
    let state = 0;
    for (const byte of needle) {
      if (next[state]![byte] === -1) {
        next[state]![byte] = next.length;
        next.push(new Int32Array(256).fill(-1));
        ends.push(false);
      }
      state = next[state]![byte]!;
    }
    ends[state] = true;
  }
  const fail = new Int32Array(next.length);
  const queue: number[] = [];
  for (let byte = 0; byte < 256; byte++) {
    const to = next[0]![byte]!;
    if (to === -1) next[0]![byte] = 0;
    else queue.push(to);
  }
  for (let head = 0; head < queue.length; head++) {
    const state = queue[head]!;
    ends[state] = ends[state]! || ends[fail[state]!]!;
    for (let byte = 0; byte < 256; byte++) {
      const to = next[state]![byte]!;
      if (to === -1) next[state]![byte] = next[fail[state]!]![byte]!;
      else {
        fail[to] = next[fail[state]!]![byte]!;
        queue.push(to);
      }
    }
  }
  const table = new Int32Array(next.length * 256);
  const hits = new Uint8Array(next.length);
  next.forEach((row, state) => {
    for (let byte = 0; byte < 256; byte++) table[state * 256 + byte] = row[byte]! * 256;
    hits[state] = ends[state] ? 1 : 0;
  });
  return (data) => {
    let state = 0;
    let count = 0;
    for (let i = 0; i < data.length; i++) {
      state = table[state + data[i]!]!;
      if (hits[state >> 8] !== 0) count++;
    }
    return count;
  };
}
