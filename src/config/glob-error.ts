import { compileGlob } from "./compile-glob.js";

/** Why picomatch cannot compile `glob`, in the author's terms; null when it can. */
export function globError(glob: string): string | null {
  try {
    compileGlob(glob);
    return null;
  } catch (error) {
    // "Invalid regular expression: /…/: Range out of order in character class" — the regex is noise to the author.
    const message = error instanceof Error ? error.message : String(error);
    const cut = message.lastIndexOf(": ");
    return cut < 0 ? message : message.slice(cut + 2);
  }
}
