import type { ProblemMatcherConfig } from "./config-types.js";

/**
 * A problem matcher gantry knows without configuration, in the format of a custom one (GitHub Actions' fields).
 * `triggers` are byte strings of which every line its last pattern matches contains one, in the raw output (ANSI
 * codes included): the worker runs the regexps only on lines holding a trigger. A built-in may hold several
 * matchers (variants of one format); the first that matches a line wins, so one problem gives one annotation.
 */
export interface BuiltinMatcher {
  name: string;
  description: string;
  triggers: string[];
  matchers: ProblemMatcherConfig[];
}

const ESC = "\u001b";

// Regexps run on the line with ANSI codes removed and `\r` redraws collapsed, cut to a bound. They are compiled
// for V8's linear-time engine like custom ones (a hostile step controls the lines): no lookarounds, no
// backreferences, case-sensitive.
export const BUILTIN_MATCHERS: readonly BuiltinMatcher[] = [
  {
    name: "tsc",
    description: "TypeScript: `file(line,col): error TSnnnn: msg` and --pretty's `file:line:col - error TSnnnn: msg`",
    triggers: ["): error TS", "): warning TS", " - error TS", " - warning TS", `${ESC}[90m TS`],
    matchers: [
      {
        owner: "tsc",
        pattern: [{ regexp: "^\\s*(.+)\\((\\d+),(\\d+)\\): (error|warning) (TS\\d+): (.*)$", file: 1, line: 2, column: 3, severity: 4, code: 5, message: 6 }],
      },
      {
        owner: "tsc",
        pattern: [{ regexp: "^\\s*(.+):(\\d+):(\\d+) - (error|warning) (TS\\d+): (.*)$", file: 1, line: 2, column: 3, severity: 4, code: 5, message: 6 }],
      },
    ],
  },
  {
    name: "eslint-stylish",
    description: "ESLint's default (stylish) format: a file line, then indented `line:col  error|warning  msg  rule` lines",
    triggers: ["  error  ", "  warning  ", `${ESC}[31merror${ESC}[39m`, `${ESC}[33mwarning${ESC}[39m`],
    matchers: [
      {
        owner: "eslint-stylish",
        pattern: [
          { regexp: "^(\\S.*)$", file: 1 },
          { regexp: "^\\s+(\\d+):(\\d+)\\s+(error|warning)\\s+(.*\\S)\\s\\s+(\\S+)\\s*$", line: 1, column: 2, severity: 3, message: 4, code: 5, loop: true },
        ],
      },
    ],
  },
  {
    name: "eslint-compact",
    description: "ESLint's compact format (eslint-formatter-compact): `file: line L, col C, Error - msg (rule)`",
    triggers: [", Error - ", ", Warning - ", ", Info - "],
    matchers: [
      {
        owner: "eslint-compact",
        pattern: [{ regexp: "^(.+): line (\\d+), col (\\d+), (Error|Warning|Info) - (.*?)(?: \\(([\\w@/.-]+)\\))?\\s*$", file: 1, line: 2, column: 3, severity: 4, message: 5, code: 6 }],
      },
    ],
  },
  {
    name: "gcc",
    description: "GCC and Clang: `file:line:col: error|warning|fatal error: msg`",
    triggers: [": error: ", ": warning: ", ": fatal error: ", `${ESC}[Kerror: `, `${ESC}[Kwarning: `, `${ESC}[Kfatal error: `, `${ESC}[0;1;31merror: `, `${ESC}[0;1;35mwarning: `],
    matchers: [
      {
        owner: "gcc",
        pattern: [{ regexp: "^(.+?):(\\d+):(?:(\\d+):)? (fatal error|error|warning): (.*)$", file: 1, line: 2, column: 3, severity: 4, message: 5 }],
      },
    ],
  },
  {
    name: "go",
    description: "Go (go build, go vet): `file.go:line:col: msg`",
    triggers: [".go:1", ".go:2", ".go:3", ".go:4", ".go:5", ".go:6", ".go:7", ".go:8", ".go:9"],
    matchers: [
      {
        owner: "go",
        pattern: [{ regexp: "^\\s*(.+\\.go):(\\d+):(?:(\\d+):)? (.*)$", file: 1, line: 2, column: 3, message: 4 }],
      },
    ],
  },
  {
    name: "python",
    description: 'Python tracebacks: the last `File "x.py", line N` frame, with the exception line as the message',
    // an exception raised without a message prints its bare name: only the usual bare ones are triggers
    triggers: ["Error: ", "Exception: ", "Warning: ", "KeyboardInterrupt", "SystemExit", "StopIteration"],
    matchers: [
      // Python 3.11+ marks the failing expression with a line of carets under the source line; older ones do not,
      // and frames of code without source (`<string>`) have no source line at all.
      {
        owner: "python",
        pattern: [
          { regexp: '^\\s*File "(.+)", line (\\d+), in .*$', file: 1, line: 2 },
          { regexp: "^\\s{4,}\\S.*$" },
          { regexp: "^\\s+[~^]+\\s*$" },
          { regexp: "^(((?:[A-Za-z_]\\w*\\.)*[A-Za-z_]\\w*(?:Error|Exception|Warning|Interrupt|SystemExit|StopIteration))(?:: .*)?)$", message: 1, code: 2 },
        ],
      },
      {
        owner: "python",
        pattern: [
          { regexp: '^\\s*File "(.+)", line (\\d+), in .*$', file: 1, line: 2 },
          { regexp: "^\\s{4,}\\S.*$" },
          { regexp: "^(((?:[A-Za-z_]\\w*\\.)*[A-Za-z_]\\w*(?:Error|Exception|Warning|Interrupt|SystemExit|StopIteration))(?:: .*)?)$", message: 1, code: 2 },
        ],
      },
      {
        owner: "python",
        pattern: [
          { regexp: '^\\s*File "(.+)", line (\\d+), in .*$', file: 1, line: 2 },
          { regexp: "^(((?:[A-Za-z_]\\w*\\.)*[A-Za-z_]\\w*(?:Error|Exception|Warning|Interrupt|SystemExit|StopIteration))(?:: .*)?)$", message: 1, code: 2 },
        ],
      },
    ],
  },
  {
    name: "rust",
    description: "rustc and cargo: `error[E0308]: msg` or `warning: msg`, then ` --> file:line:col`",
    triggers: [" --> ", "m--> "],
    matchers: [
      {
        owner: "rust",
        pattern: [
          { regexp: "^(error|warning)(?:\\[(\\w+)\\])?: (.*)$", severity: 1, code: 2, message: 3 },
          { regexp: "^\\s*--> (.+):(\\d+):(\\d+)\\s*$", file: 1, line: 2, column: 3 },
        ],
      },
    ],
  },
];

export const BUILTIN_MATCHER_NAMES = BUILTIN_MATCHERS.map((builtin) => builtin.name);
