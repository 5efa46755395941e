import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { createRunAccess } from "../../../src/report/access/create-run-access.js";
import { deriveCookieKeys } from "../../../src/report/access/derive-cookie-keys.js";
import { signToken } from "../../../src/report/access/sign-token.js";
import type { RunRecord } from "../../../src/runs/run-types.js";
import { run as contractRun } from "../../backend/storage/store-contract.js";

const oauth = { clientId: "Iv1.abc", clientSecret: "s3cret" };
const keys = deriveCookieKeys(oauth.clientSecret);
const ID = "0f8fad5b-d9cb-469f-a165-70867728950e";
const request = (cookie = "") => ({ headers: { cookie } }) as IncomingMessage;
const runOf = (push: Partial<RunRecord["push"]>): RunRecord => {
  const base = contractRun(ID, "d1", "build");
  return { ...base, push: { ...base.push, ...push } };
};
const cookieFor = (claim: { r: number; a: boolean; exp?: number }) =>
  `gantry_access_${claim.r}=${signToken(keys.access, { u: 7, l: "mona", exp: Date.now() + 60_000, ...claim })}`;

describe("createRunAccess", () => {
  const access = createRunAccess({ oauth, publicUrl: "https://ci.example" });
  const signIn = { allowed: false, signInUrl: `/auth/github/login?return=/runs/${ID}` };

  it("lets anyone see a public repository's run", async () => {
    expect(await access(request(), runOf({ private: false, repositoryId: 5 }))).toEqual({ allowed: true });
    expect(await createRunAccess({ oauth: null, publicUrl: null })(request(), runOf({ private: false, repositoryId: 5 }))).toEqual({ allowed: true });
  });

  it("sends a signed-out viewer of a private repository's run to sign in", async () => {
    expect(await access(request(), runOf({ private: true, repositoryId: 5 }))).toEqual(signIn);
  });

  it("lets a viewer in whom GitHub let read the repository, and no one on a denial, another repository's or an expired answer", async () => {
    const run = runOf({ private: true, repositoryId: 5 });
    expect(await access(request(cookieFor({ r: 5, a: true })), run)).toEqual({ allowed: true });
    expect(await access(request(cookieFor({ r: 5, a: false })), run)).toEqual(signIn);
    expect(await access(request(cookieFor({ r: 6, a: true })), run)).toEqual(signIn);
    expect(await access(request(cookieFor({ r: 5, a: true, exp: Date.now() - 1 })), run)).toEqual(signIn);
  });

  it("offers no sign-in without the OAuth client or the public URL GitHub sends viewers back to", async () => {
    const run = runOf({ private: true, repositoryId: 5 });
    for (const options of [{ oauth: null, publicUrl: "https://ci.example" }, { oauth, publicUrl: null }]) {
      const withoutSignIn = createRunAccess(options);
      expect(await withoutSignIn(request(cookieFor({ r: 5, a: true })), run)).toEqual({ allowed: false, signInUrl: null });
    }
  });

  it("treats a run recorded before visibility was kept as private, without a sign-in that could vouch for it", async () => {
    const { private: _private, repositoryId: _id, ...old } = runOf({}).push;
    const run = { ...runOf({}), push: old as RunRecord["push"] };
    expect(await access(request(cookieFor({ r: 5, a: true })), run)).toEqual({ allowed: false, signInUrl: null });
  });
});
