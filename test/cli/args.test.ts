/** The parser and value checks behind every subcommand (unit level; the CLI-level checks are in usage.test.ts). */
import { describe, expect, it } from "vitest";
import {
  choiceFlag,
  durationFlag,
  integerFlag,
  numberFlag,
  parseCommandLine,
  UsageError,
} from "../../src/cli/args.js";

const SPECS = {
  timeout: { type: "string" },
  json: { type: "boolean" },
  env: { type: "string", multiple: true },
  jobs: { type: "string", short: "j" },
} as const;

describe("parseCommandLine", () => {
  it("program mode: the first non-option (or --) starts the program, which is never parsed", () => {
    const a = parseCommandLine(["--timeout", "5s", "ls", "-la", "--json"], SPECS, "program");
    expect(a.string("timeout")).toBe("5s");
    expect(a.flag("json")).toBe(false);
    expect(a.rest).toEqual(["ls", "-la", "--json"]);
    const b = parseCommandLine(["--json", "--", "--weird", "x"], SPECS, "program");
    expect(b.flag("json")).toBe(true);
    expect(b.rest).toEqual(["--weird", "x"]);
    expect(parseCommandLine([], SPECS, "program").rest).toEqual([]);
  });

  it("operands mode: positionals are collected; -- passes the rest as operands", () => {
    const a = parseCommandLine(["-j4", "file.txt", "--json"], SPECS, "operands");
    expect(a.string("jobs")).toBe("4");
    expect(a.flag("json")).toBe(true);
    expect(a.rest).toEqual(["file.txt"]);
    expect(parseCommandLine(["--", "-"], SPECS, "operands").rest).toEqual(["-"]);
  });

  it("repeated flags collect; --flag=value works; the last single value wins", () => {
    const a = parseCommandLine(
      ["--env", "A=1", "--env=B=2=3", "--timeout", "1s", "--timeout=2s", "x"],
      SPECS,
      "program",
    );
    expect(a.strings("env")).toEqual(["A=1", "B=2=3"]);
    expect(a.string("timeout")).toBe("2s");
  });

  it("-h / --help is always known", () => {
    expect(parseCommandLine(["-h"], SPECS, "program").flag("help")).toBe(true);
    expect(parseCommandLine(["--help"], SPECS, "operands").flag("help")).toBe(true);
  });

  it("errors are UsageErrors naming the flag as typed", () => {
    const message = (argv: string[]) => {
      try {
        parseCommandLine(argv, SPECS, "program");
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as Error).message;
      }
      return "no error";
    };
    expect(message(["--frob", "x"])).toBe("unknown option --frob");
    expect(message(["-q"])).toBe("unknown option -q");
    expect(message(["--timeout"])).toBe("option --timeout needs a value");
    expect(message(["--json=1"])).toBe("option --json takes no value");
    expect(message(["--timeout", "--json"])).toMatch(
      /^option --timeout needs a value \(write --timeout=--json/,
    );
    expect(message(["-j"])).toBe("option -j needs a value");
    // A negative number is a value (then refused by the value check, naming the flag).
    expect(parseCommandLine(["--timeout", "-1", "x"], SPECS, "program").string("timeout")).toBe("-1");
  });
});

describe("value checks", () => {
  it("durations: units, or a bare number of seconds", () => {
    expect(durationFlag("250ms", "timeout")).toBe(250);
    expect(durationFlag("1.5s", "timeout")).toBe(1_500);
    expect(durationFlag("2m", "timeout")).toBe(120_000);
    expect(durationFlag("1h", "timeout")).toBe(3_600_000);
    expect(durationFlag("10", "timeout")).toBe(10_000);
    expect(durationFlag(".5", "timeout")).toBe(500);
    expect(durationFlag("0", "grace")).toBe(0);
    for (const bad of ["", "5x", "-1s", "1e3", "NaN", "5 parsecs", "99999999h"]) {
      expect(() => durationFlag(bad, "timeout")).toThrow(/^--timeout: /);
    }
  });

  it("integers, numbers and choices", () => {
    expect(integerFlag("4", "jobs", 1)).toBe(4);
    expect(() => integerFlag("0", "jobs", 1)).toThrow('--jobs: expected an integer >= 1, got "0"');
    expect(() => integerFlag("2.5", "jobs", 1)).toThrow(/--jobs/);
    expect(integerFlag("0", "max-restarts", 0)).toBe(0);
    expect(numberFlag("0.5", "cpu-quota", 0)).toBe(0.5);
    expect(() => numberFlag("0", "cpu-quota", 0)).toThrow('--cpu-quota: expected a number > 0, got "0"');
    expect(numberFlag("-1", "factor")).toBe(-1);
    expect(() => numberFlag("", "factor")).toThrow(/--factor/);
    expect(choiceFlag("never", "restart", ["always", "on-crash", "never"])).toBe("never");
    expect(() => choiceFlag("x", "restart", ["always", "never"])).toThrow(
      '--restart: expected always, never; got "x"',
    );
  });
});
