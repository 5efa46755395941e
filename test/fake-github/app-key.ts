import { generateKeyPairSync, sign } from "node:crypto";

export interface AppKey {
  /** PKCS#8 PEM ("BEGIN PRIVATE KEY"), accepted by Probot / universal-github-app-jwt. */
  privateKey: string;
  /** SPKI PEM ("BEGIN PUBLIC KEY"), what FakeGitHub verifies JWTs against. */
  publicKey: string;
}

/** A fresh RSA key pair for a test GitHub App (2048 bits: what GitHub issues, and fast enough). */
export function createAppKey(): AppKey {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  return { privateKey, publicKey };
}

/**
 * Signs an app JWT like universal-github-app-jwt does (iat 30 s in the past, 10 min lifetime);
 * `claims` overrides let tests build expired or otherwise invalid tokens.
 */
export function signAppJwt(privateKey: string, appId: number | string, claims: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");
  const unsigned = `${encode({ alg: "RS256", typ: "JWT" })}.${encode({ iat: now - 30, exp: now - 30 + 600, iss: appId, ...claims })}`;
  return `${unsigned}.${sign("RSA-SHA256", Buffer.from(unsigned), privateKey).toString("base64url")}`;
}
