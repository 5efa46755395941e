import type { SecretSource, SecretsFile } from "../config/secrets-types.js";
import { codeSpan } from "./code-span.js";
import { compileGlobs } from "./compile-globs.js";
import { parseRef } from "./parse-ref.js";

export interface SecretsRequest {
  /** owner/name as GitHub sends it. */
  repository: string;
  /** The pushed ref in full: refs/heads/… or refs/tags/…; any other ref gets no environment's secrets. */
  ref: string;
  /** The pipeline's `environment:`, or null. */
  environment: string | null;
  /** The pipeline's `secrets:`. */
  names: readonly string[];
}

export type SecretsVerdict =
  | { ok: true; sources: Record<string, SecretSource> }
  /** `reason`: every refused secret's reason, one per line (`reasons`), as Markdown-safe text; never a value. */
  | { ok: false; reason: string; reasons: string[] };

/**
 * Which of the secrets a pipeline names this push may have. A pipeline with an environment gets that environment's
 * secrets when the environment accepts the repository and the ref, and the repository's otherwise; a name the
 * environment defines is decided by the environment alone (its value is never swapped for the repository's).
 * Repository scopes are tried in file order; the first matching one that defines a name gives it.
 */
export function judgeSecrets(file: SecretsFile, request: SecretsRequest): SecretsVerdict {
  const sources: Record<string, SecretSource> = {};
  const reasons: string[] = [];
  const environment = request.environment !== null && Object.hasOwn(file.environments, request.environment) ? file.environments[request.environment]! : null;
  const repositoryScopes = Object.entries(file.repositories).filter(([glob]) => matchRepository([glob], request.repository));
  for (const name of request.names) {
    const refuse = (why: string) => reasons.push(`secret ${codeSpan(name)}: ${why}`);
    if (environment !== null && Object.hasOwn(environment.secrets, name)) {
      const refused = refuseEnvironment(request.environment!, environment, request);
      if (refused === null) sources[name] = environment.secrets[name]!;
      else refuse(refused);
      continue;
    }
    const scope = repositoryScopes.find(([, candidate]) => Object.hasOwn(candidate.secrets, name));
    if (scope !== undefined) sources[name] = scope[1].secrets[name]!;
    else refuse(notDefined(file, name, request));
  }
  return reasons.length === 0 ? { ok: true, sources } : { ok: false, reason: reasons.join("\n"), reasons };
}

type Environment = SecretsFile["environments"][string];

/** Why this push may not use the environment, or null when it may. */
function refuseEnvironment(name: string, environment: Environment, request: SecretsRequest): string | null {
  const what = `environment ${codeSpan(name)}`;
  if (!matchRepository(environment.repositories, request.repository)) {
    return `${what} is for repositories ${list(environment.repositories)}; this is ${codeSpan(request.repository)}`;
  }
  const ref = parseRef(request.ref);
  const accepts = `${what} ${describeRules(environment)}`;
  if (ref.kind === "branch") {
    return environment.branches !== null && compileGlobs(environment.branches)(ref.name) ? null : `${accepts}; this push is to ${codeSpan(ref.name)}`;
  }
  if (ref.kind === "tag") {
    return environment.tags !== null && compileGlobs(environment.tags)(ref.name) ? null : `${accepts}; this push is of tag ${codeSpan(ref.name)}`;
  }
  return `${accepts}; this push is to ${codeSpan(ref.name)}, which is neither a branch nor a tag`;
}

/** "accepts pushes to `main` and tags `v*`" — the rules in the words of the example in the docs. */
function describeRules(environment: Environment): string {
  const branches = environment.branches ?? [];
  const tags = environment.tags ?? [];
  const parts: string[] = [];
  if (branches.length > 0) parts.push(`pushes to ${list(branches)}`);
  if (tags.length > 0) parts.push(`tags ${list(tags)}`);
  return parts.length === 0 ? "accepts no push (it has neither branches nor tags)" : `accepts ${parts.join(" and ")}`;
}

function notDefined(file: SecretsFile, name: string, request: SecretsRequest): string {
  const environments = Object.keys(file.environments).filter((environment) => Object.hasOwn(file.environments[environment]!.secrets, name));
  const repositories = Object.keys(file.repositories).filter((glob) => Object.hasOwn(file.repositories[glob]!.secrets, name));
  if (environments.length === 0 && repositories.length === 0) return "no secret of that name in the secrets file";
  const where: string[] = [];
  if (environments.length > 0) {
    const uses = request.environment === null ? "which this pipeline does not use" : `and this pipeline uses ${codeSpan(request.environment)}`;
    where.push(`environment${environments.length === 1 ? "" : "s"} ${list(environments)}, ${uses}`);
  }
  if (repositories.length > 0) where.push(`repositories ${list(repositories)}`);
  return `not defined for ${codeSpan(request.repository)} (the secrets file defines it only for ${where.join(", and for ")})`;
}

/** owner/name globs, case-insensitively as GitHub compares names; `!` excludes and the last match decides. */
function matchRepository(globs: readonly string[], repository: string): boolean {
  return compileGlobs(globs.map((glob) => glob.toLowerCase()))(repository.toLowerCase());
}

function list(items: readonly string[]): string {
  return items.map(codeSpan).join(", ");
}
