import { describe, expect, it } from "vitest";
import { createLogProcessor } from "../../../src/worker/scanning/create-log-processor.js";
import { parseWorkflowCommand } from "../../../src/worker/scanning/parse-workflow-command.js";
import { scanLog } from "./scan-log.js";

describe("parseWorkflowCommand", () => {
  it("reads a command, its properties and its message, undoing GitHub's escapes", () => {
    const command = parseWorkflowCommand("::error file=a%2Cb.ts,line=3,title=x%3Ay%25z%0Aw::first%0Asecond%25%3A");
    expect(command?.command).toBe("error");
    expect(Object.fromEntries(command!.properties)).toEqual({ file: "a,b.ts", line: "3", title: "x:y%z\nw" });
    // %3A is only a property escape
    expect(command?.message).toBe("first\nsecond%%3A");
  });

  it("undoes escapes in one pass: %253A is a literal %3A", () => {
    expect(parseWorkflowCommand("::notice::100%253A")?.message).toBe("100%3A");
  });

  it("needs `::` at the start of the line, after whitespace only", () => {
    expect(parseWorkflowCommand("  ::warning::indented")?.message).toBe("indented");
    expect(parseWorkflowCommand("echo ::warning::not at the start")).toBeNull();
    expect(parseWorkflowCommand("\u001b[31m::error::coloured")).toBeNull();
    expect(parseWorkflowCommand("::error no end")).toBeNull();
    expect(parseWorkflowCommand(":: error::space")).toBeNull();
  });

  it("keeps property names as data, even __proto__", () => {
    const command = parseWorkflowCommand("::error __proto__=x,=y,novalue::m");
    expect([...command!.properties]).toEqual([["__proto__", "x"]]);
  });

  it("compares command names without case, as GitHub does", () => {
    expect(parseWorkflowCommand("::ERROR::m")?.command).toBe("error");
  });
});

describe("workflow commands in a log", () => {
  it("turns ::error, ::warning and ::notice into annotations at their log line", () => {
    const log = [
      "building",
      "::error file=/ws/src/app.ts,line=3,endLine=5,col=2,endColumn=9,title=Broken build::It broke%0Ahere",
      "::warning file=./README.md,line=1::Stale",
      "::notice::Just so you know",
      "::error line=x,col=3::bad numbers",
      "",
    ].join("\n");
    expect(scanLog(log, { workspace: "/ws" }).annotations).toEqual([
      { path: "src/app.ts", line: 3, endLine: 5, column: 2, endColumn: 9, level: "failure", title: "Broken build", message: "It broke\nhere", source: "command", logLine: 2 },
      { path: "README.md", line: 1, level: "warning", message: "Stale", source: "command", logLine: 3 },
      { path: "", line: 0, level: "notice", message: "Just so you know", source: "command", logLine: 4 },
      { path: "", line: 0, level: "failure", message: "bad numbers", source: "command", logLine: 5 },
    ]);
  });

  it("does not run problem matchers on command lines, and ignores commands not at the line start", () => {
    const log = ["::warning::src/a.ts(1,1): error TS1: inside a command", "echo ::error::not a command", ""].join("\n");
    expect(scanLog(log).annotations).toEqual([{ path: "", line: 0, level: "warning", message: "src/a.ts(1,1): error TS1: inside a command", source: "command", logLine: 1 }]);
  });

  it("opens and closes groups; a group opened inside another closes it; a step's end closes them", () => {
    const processor = createLogProcessor({ matchers: undefined, workspace: null });
    expect(processor.push(Buffer.from("::group::Install\r\nnpm ci\n::endgroup::\n::endgroup::\n::group::One\n::group::Two\n")).groups).toEqual([
      { kind: "start", title: "Install", line: 1 },
      { kind: "end", line: 3 },
      { kind: "start", title: "One", line: 5 },
      { kind: "end", line: 5 },
      { kind: "start", title: "Two", line: 6 },
    ]);
    processor.push(Buffer.from("still in two\n"));
    processor.startStep(2);
    expect(processor.push(Buffer.from("==> next step\n")).groups).toEqual([{ kind: "end", line: 7 }]);
  });

  it("ignores commands between ::stop-commands:: and its token, until the step ends", () => {
    const log = ["::stop-commands::pause-1234", "::error::ignored", "::pause-1234::", "::error::counted", "::stop-commands::tok", "::add-mask::notamask", ""].join("\n");
    const processor = createLogProcessor({ matchers: undefined, workspace: null });
    const findings = processor.push(Buffer.from(log));
    expect(findings.annotations.map((annotation) => annotation.message)).toEqual(["counted"]);
    expect(processor.masks).toEqual([]);
    processor.startStep(1);
    expect(processor.push(Buffer.from("::error::after the step\n")).annotations).toHaveLength(1);
  });

  it("still runs problem matchers on lines while commands are stopped", () => {
    const log = ["::stop-commands::t0k3n", "src/a.ts(1,1): error TS1: found", ""].join("\n");
    expect(scanLog(log).annotations).toMatchObject([{ path: "src/a.ts", source: "tsc" }]);
  });

  it("ignores ::debug:: and passes unknown commands through to the matchers", () => {
    expect(scanLog("::debug::src/a.ts(1,1): error TS1: x\n").annotations).toEqual([]);
    expect(scanLog("::set-output name=x::1\n").annotations).toEqual([]);
  });

  it("bounds messages and titles", () => {
    const [annotation] = scanLog(`::error title=${"t".repeat(1_000)}::${"m".repeat(10_000)}\n`).annotations;
    expect(annotation!.title!.length).toBeLessThanOrEqual(255);
    expect(annotation!.message.length).toBeLessThanOrEqual(4_000);
  });
});
