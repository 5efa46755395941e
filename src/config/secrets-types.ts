/**
 * Where one secret's value comes from: written in the secrets file, a file's content (read when a run starts,
 * one trailing line ending removed), or a variable of gantry's own environment (read when a run starts).
 */
export type SecretSource = { value: string } | { file: string } | { env: string };

/** The operator's secrets file (GANTRY_SECRETS_FILE) as validated; what each option means is in secrets-schema.ts. */
export interface SecretsFile {
  environments: Record<
    string,
    {
      /** owner/name globs (a leading "!" excludes, the last match decides), compared case-insensitively. */
      repositories: string[];
      /** Branch-name globs whose pushes may use the environment; `null` (absent): none. */
      branches: string[] | null;
      /** Tag-name globs whose pushes may use the environment; `null` (absent): none. */
      tags: string[] | null;
      secrets: Record<string, SecretSource>;
    }
  >;
  /** Keyed by owner/name glob, in file order: for any branch or tag of the matching repositories. */
  repositories: Record<string, { secrets: Record<string, SecretSource> }>;
}

/** Values this short would be masked wherever they happen to appear in a log ("test", "1234"), wrecking it. */
export const MIN_SECRET_CHARS = 4;
/** Linux refuses a single environment string over 128 KiB (MAX_ARG_STRLEN); half of it leaves room for the rest. */
export const MAX_SECRET_BYTES = 64 * 1024;
export const MAX_SECRETS_FILE_BYTES = 256 * 1024;
