import { describe, expect, it } from "vitest";
import { pushContextFromPayload } from "../../src/dispatch/push-context.js";
import { pushPayload } from "../helpers/push-payload.js";

const payload = (defaultBranch?: string) =>
  pushPayload({ owner: "octo", repo: "r", ref: "refs/heads/feature", before: "0".repeat(40), after: "a".repeat(40), commits: [], ...(defaultBranch ? { defaultBranch } : {}) });

describe("pushContextFromPayload", () => {
  it("keeps the repository's default branch, whose caches every branch may read", () => {
    expect(pushContextFromPayload(payload("trunk"), 1).defaultBranch).toBe("trunk");
    expect(pushContextFromPayload(payload(), 1).defaultBranch).toBe("main");
  });

  it("leaves it out when the payload has none (a hand-made one)", () => {
    const bare = payload();
    delete (bare.repository as { default_branch?: string }).default_branch;
    expect(pushContextFromPayload(bare, 1)).not.toHaveProperty("defaultBranch");
  });
});
