import { execa } from "execa";

/** Runs git in a local repository and returns its trimmed stdout; throws with git's own message. */
export async function git(cwd: string, args: string[]): Promise<string> {
  const result = await execa("git", args, { cwd, reject: false, stripFinalNewline: true });
  if (result.exitCode !== 0) {
    throw new Error(`git ${args[0]} failed in ${cwd}: ${String(result.stderr).trim() || `exit code ${result.exitCode}`}`);
  }
  return String(result.stdout);
}
