import type { SecretsFile } from "./secrets-types.js";

/** Every file the secrets file reads values from, once each in file order: the sandbox hides them from steps. */
export function secretFilePaths(file: SecretsFile): string[] {
  const paths = new Set<string>();
  const scopes = [...Object.values(file.environments), ...Object.values(file.repositories)];
  for (const scope of scopes) {
    for (const source of Object.values(scope.secrets)) if ("file" in source) paths.add(source.file);
  }
  return [...paths];
}
