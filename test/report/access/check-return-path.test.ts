import { describe, expect, it } from "vitest";
import { checkReturnPath } from "../../../src/report/access/check-return-path.js";

const ID = "0f8fad5b-d9cb-469f-a165-70867728950e";

describe("checkReturnPath", () => {
  it("takes a run's page and paths under it, with the run they name", () => {
    expect(checkReturnPath(`/runs/${ID}`)).toEqual({ path: `/runs/${ID}`, runId: ID });
    expect(checkReturnPath(`/runs/${ID}/log`)).toEqual({ path: `/runs/${ID}/log`, runId: ID });
  });

  it.each([
    ["another site", "https://evil.example/runs/" + ID],
    ["a scheme-relative URL", `//evil.example/runs/${ID}`],
    ["a backslash", `/\\evil.example/runs/${ID}`],
    ["a backslash after the prefix", `/runs/${ID}\\..\\..\\x`],
    ["a dot segment", `/runs/${ID}/../../api/github/webhooks`],
    ["an encoded slash", `/runs/${ID}/%2F%2Fevil.example`],
    ["a doubled slash", `/runs/${ID}//evil.example`],
    ["a query", `/runs/${ID}?x=1`],
    ["a fragment", `/runs/${ID}#L1`],
    ["a CR/LF (header splitting)", `/runs/${ID}\r\nSet-Cookie: x=1`],
    ["javascript:", "javascript:alert(1)"],
    ["another local path", "/api/github/webhooks"],
    ["the index", "/runs"],
    ["a run id that is no UUID", "/runs/../../etc/passwd"],
    ["an upper-case id", `/runs/${ID.toUpperCase()}`],
    ["a very long path", `/runs/${ID}/${"a".repeat(300)}`],
    ["nothing", ""],
  ])("refuses %s", (_name, raw) => {
    expect(checkReturnPath(raw)).toBeNull();
  });

  it("refuses a missing parameter", () => {
    expect(checkReturnPath(null)).toBeNull();
    expect(checkReturnPath(undefined)).toBeNull();
  });
});
