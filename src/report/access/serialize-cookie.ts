/** A Set-Cookie value: never readable by scripts, not sent along by other sites' requests, Secure over HTTPS. */
export function serializeCookie(name: string, value: string, options: { path: string; maxAgeMs: number; secure: boolean }): string {
  const maxAge = Math.max(0, Math.floor(options.maxAgeMs / 1000));
  return `${name}=${value}; Path=${options.path}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${options.secure ? "; Secure" : ""}`;
}
