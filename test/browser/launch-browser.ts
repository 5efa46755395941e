import { chromium, type Browser } from "playwright-core";

/** Debian's chromium (`apt-get install chromium`); CHROMIUM_PATH points elsewhere. */
const EXECUTABLE = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

/**
 * Headless chromium for one test file, with a fresh profile (playwright makes one per launch). The machine's
 * network is closed: the background-networking flags keep chromium from dialling Google at every start.
 */
export async function launchBrowser(): Promise<Browser> {
  const asRoot = process.getuid?.() === 0;
  return chromium.launch({
    executablePath: EXECUTABLE,
    headless: true,
    args: [
      // chromium's own sandbox cannot run as root
      ...(asRoot ? ["--no-sandbox"] : []),
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
