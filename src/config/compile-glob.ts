import picomatch from "picomatch";

/**
 * GitHub Actions-like globs: `*` stays within a `/` segment, `**` crosses segments, names starting with `.` match,
 * `?` is one character, `[...]` a class, `{a,b}` alternatives and `\` escapes. Extglobs are off and parentheses
 * and `|` are literal, because branch and file names may contain them. `windows: false` keeps `\` an escape even
 * when the server runs on Windows; `debug` makes a broken pattern throw instead of silently matching nothing.
 */
const OPTIONS: picomatch.PicomatchOptions = { dot: true, noextglob: true, nonegate: true, windows: false, debug: true };

/** A matcher for one glob (without any leading `!`); throws when the pattern cannot be compiled, e.g. `[z-a]`. */
export function compileGlob(glob: string): (subject: string) => boolean {
  return picomatch(escapeGroups(glob), OPTIONS);
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
