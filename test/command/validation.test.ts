/**
 * Every invalid argument throws `InvalidInputError` synchronously, at the builder call that
 * received it, and nothing is spawned (a subscriber on `processkit:spawn` sees no event).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Command, cmd, InvalidInputError, output, run } from "../../src/index.js";
import { type Watch, watchChannels } from "../helpers/watch.js";

let watch: Watch;
beforeAll(() => {
  watch = watchChannels();
});
afterAll(() => {
  // The whole file must not have spawned anything.
  expect(watch.of("spawn")).toEqual([]);
  watch.stop();
});

const base = new Command("true");

/** Runs `fn` and returns the InvalidInputError it threw synchronously (fails otherwise). */
function invalid(fn: () => unknown): InvalidInputError {
  let thrown: unknown;
  let returned: unknown;
  try {
    returned = fn();
  } catch (error) {
    thrown = error;
  }
  // A returned promise would mean the check happened later, asynchronously: not good enough.
  expect(returned).toBeUndefined();
  expect(thrown).toBeInstanceOf(InvalidInputError);
  const error = thrown as InvalidInputError;
  expect(error.reason).toBe("invalid-input");
  expect(error.message).not.toContain("\n");
  return error;
}

describe("NUL bytes", () => {
  it("in the program", () => {
    const e = invalid(() => new Command("ls\0rm"));
    expect(e.argument).toBe("program");
    expect(e.message).toMatch(/NUL/);
  });
  it("in an argument given to the constructor, arg() and args()", () => {
    expect(invalid(() => new Command("echo", ["ok", "a\0b"])).argument).toBe("args[1]");
    expect(invalid(() => base.arg("a\0b")).argument).toBe("args[0]");
    expect(invalid(() => base.arg("x").args(["y", "z\0"])).argument).toBe("args[2]");
  });
  it("in an env name (env, envRemove, inheritEnv)", () => {
    expect(invalid(() => base.env({ "A\0B": "v" })).argument).toBe("env");
    expect(invalid(() => base.envRemove(["A\0B"])).argument).toBe("env");
    expect(invalid(() => base.inheritEnv(["A\0B"])).argument).toBe("env");
  });
  it("in an env value, without echoing the value", () => {
    const e = invalid(() => base.env({ TOKEN: "s3cr3t-value\0tail" }));
    expect(e.argument).toBe("env.TOKEN");
    expect(e.message).toContain("TOKEN");
    expect(e.message).not.toContain("s3cr3t");
    expect(e.message).not.toContain("tail");
  });
  it("in cwd and file paths", () => {
    expect(invalid(() => base.cwd("/tmp\0")).argument).toBe("cwd");
    expect(invalid(() => base.stdin({ file: "/etc/passwd\0" })).argument).toBe("stdin.file");
    expect(invalid(() => base.stdout({ file: "/tmp/x\0" })).argument).toBe("stdout.file");
    expect(invalid(() => base.stderr({ file: "/tmp/x\0" })).argument).toBe("stderr.file");
  });
  it("in a tagged-template interpolation", () => {
    const bad = "a\0b";
    invalid(() => cmd`echo ${bad}`);
  });
});

describe("program", () => {
  it("must not be empty", () => {
    expect(invalid(() => new Command("")).argument).toBe("program");
  });
  it("must be a string", () => {
    expect(invalid(() => new Command(42 as unknown as string)).argument).toBe("program");
  });
  it("a template that names no program", () => {
    expect(invalid(() => cmd`   `).argument).toBe("program");
  });
  it("args must be an array of strings", () => {
    expect(invalid(() => new Command("echo", "a b" as unknown as string[])).argument).toBe("args");
    expect(invalid(() => base.args("a" as unknown as string[])).argument).toBe("args");
    expect(invalid(() => base.arg(1 as unknown as string)).argument).toBe("args[0]");
  });
});

describe("env names", () => {
  it.each([[""], ["A=B"], ["=A"]])("rejects %j", (name) => {
    invalid(() => base.env({ [name]: "v" }));
    invalid(() => base.envRemove([name]));
    invalid(() => base.inheritEnv([name]));
  });
  it("rejects a non-string name in a list", () => {
    invalid(() => base.envRemove([7 as unknown as string]));
    invalid(() => base.inheritEnv([null as unknown as string]));
  });
  it("rejects a non-string value without echoing it", () => {
    const e = invalid(() => base.env({ PIN: 48151623 as unknown as string }));
    expect(e.message).not.toContain("48151623");
  });
  it("rejects non-objects and non-arrays", () => {
    invalid(() => base.env(null as unknown as Record<string, string>));
    invalid(() => base.env("A=B" as unknown as Record<string, string>));
    invalid(() => base.envRemove("A" as unknown as string[]));
    invalid(() => base.inheritEnv("PATH" as unknown as string[]));
  });
});

describe("durations", () => {
  const setters = [
    ["timeout", (d: unknown) => base.timeout(d as number)],
    ["timeoutGrace", (d: unknown) => base.timeoutGrace(d as number)],
    ["inactivityTimeout", (d: unknown) => base.inactivityTimeout(d as number)],
  ] as const;
  const bad: [string, unknown][] = [
    ["negative number", -1],
    ["negative string", "-5s"],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["unknown unit", "5 parsecs"],
    ["bare numeric string", "10"],
    ["empty string", ""],
    ["unit only", "ms"],
    ["two values", "1s 2s"],
    ["boolean", true],
    ["null", null],
    ["more than 10 years", "100000h"],
  ];
  for (const [name, set] of setters) {
    for (const [what, value] of bad) {
      it(`${name}(${what}) names the argument and the value`, () => {
        const e = invalid(() => set(value));
        expect(e.argument).toBe(name);
        expect(e.message.startsWith(`${name}:`)).toBe(true);
        if (typeof value === "string" && value !== "") expect(e.message).toContain(value);
        if (typeof value === "number") expect(e.message).toContain(String(value));
      });
    }
  }
});

describe("okCodes", () => {
  it.each<[string, unknown]>([
    ["non-integer", [0, 1.5]],
    ["256", [256]],
    ["negative", [-1]],
    ["string", ["0"]],
    ["NaN", [Number.NaN]],
    ["empty", []],
    ["not an array", 0],
  ])("rejects %s", (_, codes) => {
    expect(invalid(() => base.okCodes(codes as number[])).argument).toBe("okCodes");
  });
  it("accepts the edges 0 and 255", () => {
    expect(() => base.okCodes([0, 255])).not.toThrow();
  });
});

describe("signals", () => {
  it.each(["SIGFOO", "TERM", "sigterm", "", 15])("timeoutSignal(%j) is rejected", (sig) => {
    const e = invalid(() => base.timeoutSignal(sig as NodeJS.Signals));
    expect(e.argument).toBe("timeoutSignal");
  });
  it("accepts real names", () => {
    expect(() =>
      base.timeoutSignal("SIGINT").timeoutSignal("SIGKILL").timeoutSignal("SIGUSR1"),
    ).not.toThrow();
  });
});

describe("encoding", () => {
  it.each(["klingon", "", "utf-9", 8])("rejects the label %j", (label) => {
    expect(invalid(() => base.encoding(label as string)).argument).toBe("encoding");
  });
  it("accepts WHATWG labels", () => {
    expect(() =>
      base.encoding("latin1").encoding("utf-16le").encoding("UTF8").encoding("shift_jis"),
    ).not.toThrow();
  });
});

describe("outputLimit", () => {
  it.each<[string, unknown, string]>([
    ["not an object", "1M", "outputLimit"],
    ["missing onOverflow", { maxBytes: 10 }, "outputLimit.onOverflow"],
    ["unknown onOverflow", { maxBytes: 10, onOverflow: "truncate" }, "outputLimit.onOverflow"],
    ["no limit at all", { onOverflow: "error" }, "outputLimit"],
    ["negative bytes", { maxBytes: -1, onOverflow: "error" }, "outputLimit.maxBytes"],
    ["fractional bytes", { maxBytes: 1.5, onOverflow: "error" }, "outputLimit.maxBytes"],
    ["bad size unit", { maxBytes: "1X", onOverflow: "error" }, "outputLimit.maxBytes"],
    ["negative lines", { maxLines: -1, onOverflow: "error" }, "outputLimit.maxLines"],
    ["fractional lines", { maxLines: 2.5, onOverflow: "error" }, "outputLimit.maxLines"],
  ])("rejects %s", (_, limit, argument) => {
    expect(invalid(() => base.outputLimit(limit as never)).argument).toBe(argument);
  });
  it("accepts size strings", () => {
    expect(() => base.outputLimit({ maxBytes: "1MiB", onOverflow: "drop-oldest" })).not.toThrow();
    expect(() =>
      base.outputLimit({ maxBytes: "512K", maxLines: 3, onOverflow: "drop-newest" }),
    ).not.toThrow();
  });
});

describe("other builder arguments", () => {
  it("stdout/stderr modes", () => {
    expect(invalid(() => base.stdout("tty" as never)).argument).toBe("stdout");
    expect(invalid(() => base.stderr(null as never)).argument).toBe("stderr");
    expect(invalid(() => base.stdout({ file: 3 } as never)).argument).toBe("stdout.file");
  });
  it("stdin sources", () => {
    expect(invalid(() => base.stdin(42 as never)).argument).toBe("stdin");
    expect(invalid(() => base.stdin(null as never)).argument).toBe("stdin");
    expect(invalid(() => base.stdin({ notAFile: "x" } as never)).argument).toBe("stdin");
  });
  it("line handlers must be functions", () => {
    expect(invalid(() => base.onStdoutLine("print" as never)).argument).toBe("onStdoutLine");
    expect(invalid(() => base.onStderrLine(undefined as never)).argument).toBe("onStderrLine");
  });
  it("cancelOn needs an AbortSignal", () => {
    expect(invalid(() => base.cancelOn({ aborted: false } as never)).argument).toBe("cancelOn");
  });
  it("uid/gid need non-negative integers", () => {
    expect(invalid(() => base.uid(-1)).argument).toBe("uid");
    expect(invalid(() => base.gid(1.5)).argument).toBe("gid");
  });
  it("cwd must be a string", () => {
    expect(invalid(() => base.cwd(undefined as never)).argument).toBe("cwd");
  });
  it("template interpolations must be strings, numbers or arrays of them", () => {
    invalid(() => cmd`echo ${{} as never}`);
    invalid(() => cmd`echo ${[1, null] as never}`);
  });
});

describe("one-liners validate their options before spawning", () => {
  it("run() and output() throw synchronously on bad options", () => {
    invalid(() => {
      void run("true", [], { timeout: "10" });
    });
    invalid(() => {
      void output("true", ["a\0"]);
    });
    invalid(() => {
      void output("", []);
    });
    invalid(() => {
      void output("true", [], { env: { X: "\0" } });
    });
    invalid(() => {
      void run("true", [], { okCodes: [] });
    });
  });
});
