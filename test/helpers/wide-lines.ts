/** Lines whose characters take 4 (emoji), 3 (CJK) or mixed UTF-8 bytes: GitHub counts its 65,535 limit in bytes. */
export const WIDE_LINES: Array<[kind: string, line: (i: number) => string]> = [
  ["emoji (4 bytes)", (i) => `${i} 😀🎉🚀✅`],
  ["CJK (3 bytes)", (i) => `${i} 日志行完成错误`],
  ["mixed", (i) => `${i} ok 完成 ✅ €uro 😀 done`],
];

/** `line(0)`, `line(1)`, … until the lines with their newlines take at least `bytes` of UTF-8. */
export function linesOfBytes(line: (i: number) => string, bytes: number): string[] {
  const lines: string[] = [];
  for (let i = 0, size = 0; size < bytes; i++) {
    lines.push(line(i));
    size += Buffer.byteLength(`${line(i)}\n`);
  }
  return lines;
}
