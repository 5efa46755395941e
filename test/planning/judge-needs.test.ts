import { describe, expect, it } from "vitest";
import { judgeNeeds } from "../../src/planning/judge-needs.js";

const finished = (entries: Record<string, string | null>) => new Map(Object.entries(entries));

describe("judgeNeeds", () => {
  it("starts a pipeline without needs at once", () => {
    expect(judgeNeeds([], finished({}))).toEqual({ verdict: "start" });
  });

  it("starts once every need succeeded", () => {
    expect(judgeNeeds(["build", "lint"], finished({ build: "success", lint: "success", other: "failure" }))).toEqual({ verdict: "start" });
  });

  it("waits while a need is unfinished, even when the others succeeded", () => {
    expect(judgeNeeds(["build", "lint"], finished({ build: "success" }))).toEqual({ verdict: "wait" });
  });

  it("skips as soon as one need finished otherwise, naming it, though another is still unfinished", () => {
    expect(judgeNeeds(["build", "lint"], finished({ lint: "timed_out" }))).toEqual({ verdict: "skip", need: "lint", conclusion: "timed_out" });
    expect(judgeNeeds(["build"], finished({ build: "skipped" }))).toEqual({ verdict: "skip", need: "build", conclusion: "skipped" });
  });

  it("names the first failed need in the order of `needs`", () => {
    expect(judgeNeeds(["a", "b"], finished({ b: "failure", a: "cancelled" }))).toEqual({ verdict: "skip", need: "a", conclusion: "cancelled" });
  });

  it("skips for a need that finished without a result", () => {
    expect(judgeNeeds(["build"], finished({ build: null }))).toEqual({ verdict: "skip", need: "build", conclusion: null });
  });
});
