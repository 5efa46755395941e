import picomatch from "picomatch";

/**
 * GitHub Actions-like globs: `*` stays within a `/` segment, `**` crosses segments, names starting with `.` match,
 * and `\` escapes. Extglobs are off and parentheses and `|` are literal, because branch names may contain them.
 * `windows: false` keeps `\` an escape even when the server runs on Windows.
 */
const OPTIONS: picomatch.PicomatchOptions = { dot: true, noextglob: true, nonegate: true, windows: false };

/**
 * A matcher for an ordered pattern list where a leading `!` excludes: the last pattern that matches decides,
 * so `["release/**", "!release/old/**", "release/old/keep"]` re-includes the last one. No match means excluded.
 */
export function compileGlobs(patterns: readonly string[]): (subject: string) => boolean {
  const rules = patterns.map((pattern) => {
    const negative = pattern.startsWith("!");
    const glob = escapeGroups(negative ? pattern.slice(1) : pattern);
    return { negative, test: picomatch(glob, OPTIONS) };
  });
  return (subject) => {
    let included = false;
    for (const rule of rules) {
      if (rule.negative === included && rule.test(subject)) included = !rule.negative;
    }
    return included;
  };
}

/** picomatch turns `(a|b)` into a regex group even with extglobs off; escape the unescaped ones so they match themselves. */
function escapeGroups(glob: string): string {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === "\\" && i + 1 < glob.length) {
      out += char + glob[i + 1]!;
      i++;
    } else if (char === "(" || char === ")" || char === "|") {
      out += `\\${char}`;
    } else {
      out += char;
    }
  }
  return out;
}
