/**
 * The data-vs-error table of API.md §2, row by row, on real children:
 * every verb × (exit 0 | non-zero exit | timeout | killed by a signal), plus okCodes.
 */
import { describe, expect, it } from "vitest";
import {
  Command,
  ExitError,
  JobRunner,
  ParseError,
  ProcessResult,
  SignalledError,
  TimeoutError,
} from "../../src/index.js";
import { node } from "../helpers/scripts.js";

const ok = () => node(`console.log("out line"); console.error("err line")`);
const exit3 = () =>
  node(`console.log("partial"); console.error("first\\nboom: it broke\\n"); process.exit(3)`);
const exit1 = () => node(`process.exit(1)`);
// sh starts in a few ms, so "so far" is surely out before the deadline even on a loaded machine.
const hang = () => new Command("sh", ["-c", 'echo "so far"; exec sleep 300']).timeout("700ms");
const killed = () => new Command("sh", ["-c", "echo before; kill -TERM $$"]);

const reject = (p: Promise<unknown>) =>
  p.then(
    (v) => {
      throw new Error(`expected a rejection, got ${String(v)}`);
    },
    (e: unknown) => e,
  );

function expectExitError(error: unknown, code: number): ExitError {
  expect(error).toBeInstanceOf(ExitError);
  const e = error as ExitError;
  expect(e.reason).toBe("exit");
  expect(e.exitCode).toBe(code);
  expect(e.result).toBeInstanceOf(ProcessResult);
  expect(e.result.exitCode).toBe(code);
  return e;
}

describe("output()", () => {
  it("exit 0 → result", async () => {
    const r = await ok().output();
    expect(r).toBeInstanceOf(ProcessResult);
    expect(r.stdout).toBe("out line\n");
    expect(r.stderr).toBe("err line\n");
    expect(r.exitCode).toBe(0);
    expect(r.signal).toBeNull();
    expect(r.outcome).toEqual({ kind: "exited", code: 0 });
    expect(r.isSuccess).toBe(true);
    expect(r.timedOut).toBe(false);
    expect(r.truncated).toBe(false);
    expect(r.durationMs).toBeGreaterThan(0);
    expect(r.program).toBe(process.execPath);
    expect(r.args[0]).toBe("-e");
  });
  it("non-zero → data", async () => {
    const r = await exit3().output();
    expect(r.exitCode).toBe(3);
    expect(r.isSuccess).toBe(false);
    expect(r.stdout).toBe("partial\n");
  });
  it("timeout → data with partial output", async () => {
    const r = await hang().output();
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBeNull();
    expect(r.stdout).toBe("so far\n");
  });
  it("signal → data", async () => {
    const r = await killed().output();
    expect(r.outcome).toEqual({ kind: "signalled", signal: "SIGTERM" });
    expect(r.exitCode).toBeNull();
    expect(r.signal).toBe("SIGTERM");
    expect(r.stdout).toBe("before\n");
  });
});

describe("outputBytes()", () => {
  it("exit 0 → exact bytes", async () => {
    const r = await node(`process.stdout.write(Buffer.from([0, 255, 10, 128]))`).outputBytes();
    expect(r.stdout).toBeInstanceOf(Uint8Array);
    expect([...r.stdout]).toEqual([0, 255, 10, 128]);
  });
  it("non-zero, timeout, signal → data", async () => {
    expect((await exit3().outputBytes()).exitCode).toBe(3);
    expect((await hang().outputBytes()).timedOut).toBe(true);
    expect((await killed().outputBytes()).signal).toBe("SIGTERM");
  });
  it("ensureSuccess() on a byte result still throws with text output attached", async () => {
    const r = await exit3().outputBytes();
    const e = expectExitError(await reject(Promise.resolve().then(() => r.ensureSuccess())), 3);
    expect(e.stdout).toBe("partial\n");
  });
});

describe("run()", () => {
  it("exit 0 → stdout with trailing newlines trimmed", async () => {
    expect(await ok().run()).toBe("out line");
    expect(
      await node(`process.stdout.write("  keep  leading and inner\\n\\n space  \\r\\n\\r\\n")`).run(),
    ).toBe("  keep  leading and inner\n\n space  ");
    expect(await new Command("true").run()).toBe("");
  });
  it("non-zero → ExitError with output attached and the last stderr line in the message", async () => {
    const e = expectExitError(await reject(exit3().run()), 3);
    expect(e.stdout).toBe("partial\n");
    expect(e.stderr).toBe("first\nboom: it broke\n\n");
    expect(e.message).toBe(`${process.execPath} exited with code 3: boom: it broke`);
    expect(e.program).toBe(process.execPath);
  });
  it("timeout → TimeoutError", async () => {
    const e = await reject(hang().run());
    expect(e).toBeInstanceOf(TimeoutError);
    expect((e as TimeoutError).stdout).toBe("so far\n");
  });
  it("signal → SignalledError", async () => {
    const e = await reject(killed().run());
    expect(e).toBeInstanceOf(SignalledError);
    expect((e as SignalledError).signal).toBe("SIGTERM");
    expect((e as SignalledError).reason).toBe("signalled");
    expect((e as SignalledError).stdout).toBe("before\n");
    expect((e as Error).message).toMatch(/was killed by SIGTERM/);
  });
});

describe("checked()", () => {
  it("exit 0 → the full result", async () => {
    const r = await ok().checked();
    expect(r.stdout).toBe("out line\n");
    expect(r.stderr).toBe("err line\n");
  });
  it("non-zero → ExitError; timeout → TimeoutError; signal → SignalledError", async () => {
    expectExitError(await reject(exit3().checked()), 3);
    expect(await reject(hang().checked())).toBeInstanceOf(TimeoutError);
    expect(await reject(killed().checked())).toBeInstanceOf(SignalledError);
  });
});

describe("exitCode()", () => {
  it("returns any exit code", async () => {
    expect(await ok().exitCode()).toBe(0);
    expect(await exit3().exitCode()).toBe(3);
    expect(await node(`process.exit(255)`).exitCode()).toBe(255);
  });
  it("timeout → TimeoutError; signal → SignalledError (never a made-up -1)", async () => {
    expect(await reject(hang().exitCode())).toBeInstanceOf(TimeoutError);
    const e = await reject(killed().exitCode());
    expect(e).toBeInstanceOf(SignalledError);
  });
});

describe("probe()", () => {
  it("0 → true, 1 → false", async () => {
    expect(await ok().probe()).toBe(true);
    expect(await exit1().probe()).toBe(false);
    expect(await new Command("grep", ["-q", "needle"]).stdin("hay\nneedle\n").probe()).toBe(true);
    expect(await new Command("grep", ["-q", "needle"]).stdin("hay\n").probe()).toBe(false);
  });
  it("other codes → ExitError; timeout → TimeoutError; signal → SignalledError", async () => {
    expectExitError(await reject(exit3().probe()), 3);
    expect(await reject(hang().probe())).toBeInstanceOf(TimeoutError);
    expect(await reject(killed().probe())).toBeInstanceOf(SignalledError);
  });
});

describe("parse(fn)", () => {
  it("exit 0 → fn(stdout)", async () => {
    expect(await ok().parse((s) => s.toUpperCase())).toBe("OUT LINE\n");
  });
  it("fn throwing → ParseError with the cause", async () => {
    const boom = new Error("bad format");
    const e = await reject(
      ok().parse(() => {
        throw boom;
      }),
    );
    expect(e).toBeInstanceOf(ParseError);
    expect((e as ParseError).reason).toBe("parse");
    expect((e as ParseError).cause).toBe(boom);
    expect((e as Error).message).toMatch(/parse failed: bad format/);
  });
  it("non-zero → ExitError (fn never called); timeout → TimeoutError; signal → SignalledError", async () => {
    let called = false;
    const fn = () => {
      called = true;
    };
    expectExitError(await reject(exit3().parse(fn)), 3);
    expect(await reject(hang().parse(fn))).toBeInstanceOf(TimeoutError);
    expect(await reject(killed().parse(fn))).toBeInstanceOf(SignalledError);
    expect(called).toBe(false);
  });
});

describe("json()", () => {
  it("exit 0 → parsed stdout", async () => {
    expect(await node(`console.log(JSON.stringify({ a: [1, "two", null] }))`).json()).toEqual({
      a: [1, "two", null],
    });
    expect(await node(`console.log("42")`).json<number>()).toBe(42);
  });
  it("bad JSON → ParseError with line, column and offset (also where V8 gives no position)", async () => {
    const cases: [string, number, number, RegExp][] = [
      ['{"a":}', 1, 6, /unexpected "}"/],
      ['{"a":1', 1, 7, /end of input/],
      ["[1,2]x", 1, 6, /after the JSON value/],
      ['{\n  "a": tru\n}', 2, 11, /unexpected "\\n"/],
      ["", 1, 1, /end of input/],
      ["{'single': 1}", 1, 2, /unexpected "'"/],
    ];
    for (const [text, line, column, problem] of cases) {
      const e = await reject(node(`process.stdout.write(${JSON.stringify(text)})`).json());
      expect(e, text).toBeInstanceOf(ParseError);
      const message = (e as Error).message;
      expect(message, text).toContain(`line ${line}, column ${column}`);
      expect(message, text).toMatch(problem);
      expect(message, text).not.toContain("\n");
      expect((e as ParseError).cause).toBeInstanceOf(SyntaxError);
    }
  });
  it("the fragment in the message is short even for a huge document", async () => {
    const e = await reject(node(`process.stdout.write("[" + "1,".repeat(100000) + "]")`).json());
    expect(e).toBeInstanceOf(ParseError);
    expect((e as Error).message.length).toBeLessThan(400);
    expect((e as Error).message).toContain("offset 200001");
  });
  it("non-zero → ExitError; timeout → TimeoutError; signal → SignalledError", async () => {
    expectExitError(await reject(exit3().json()), 3);
    expect(await reject(hang().json())).toBeInstanceOf(TimeoutError);
    expect(await reject(killed().json())).toBeInstanceOf(SignalledError);
  });
});

describe("firstLine(pred)", () => {
  it("returns the first matching line", async () => {
    expect(
      await node(`console.log("a"); console.log("b2"); console.log("c3")`).firstLine((l) => /\d/.test(l)),
    ).toBe("b2");
  });
  it("without a predicate: the first line", async () => {
    expect(await node(`console.log("first"); console.log("second")`).firstLine()).toBe("first");
  });
  it("no match → undefined, whatever the exit code or signal", async () => {
    expect(await ok().firstLine((l) => l === "never")).toBeUndefined();
    expect(await exit3().firstLine((l) => l === "never")).toBeUndefined();
    expect(await killed().firstLine((l) => l === "never")).toBeUndefined();
    expect(await new Command("true").firstLine()).toBeUndefined();
  });
  it("a match on a failing run is still returned", async () => {
    expect(await exit3().firstLine((l) => l === "partial")).toBe("partial");
  });
  it("timeout before a match → TimeoutError", async () => {
    const e = await reject(hang().firstLine((l) => l === "never"));
    expect(e).toBeInstanceOf(TimeoutError);
  });
  it("inactivity timeout before a match → TimeoutError", async () => {
    const e = await reject(
      node(`console.log("x"); setInterval(() => {}, 1000)`)
        .inactivityTimeout(300)
        .firstLine((l) => l === "never"),
    );
    expect(e).toBeInstanceOf(TimeoutError);
    expect((e as TimeoutError).inactivity).toBe(true);
  });
  it("a throwing predicate rejects with its error and the run is killed", async () => {
    const boom = new Error("predicate bug");
    const e = await reject(
      node(`setInterval(() => console.log("tick"), 10)`).firstLine(() => {
        throw boom;
      }),
    );
    expect(e).toBe(boom);
  });
  it("closes an interactive stdin like the bulk verbs (nobody could write to it)", async () => {
    const result = await new Command("cat").keepStdinOpen().timeout("20s").firstLine();
    expect(result).toBeUndefined(); // cat saw EOF and exited; no TimeoutError after 20 s
  });
  it("the last, unterminated line can match", async () => {
    expect(await node(`process.stdout.write("a\\nlast")`).firstLine((l) => l.startsWith("la"))).toBe("last");
  });
});

describe("okCodes", () => {
  const exit3ok = () => exit3().okCodes([0, 3]);
  it("an accepted code is a success for run, checked, isSuccess and ensureSuccess", async () => {
    expect(await exit3ok().run()).toBe("partial");
    expect((await exit3ok().checked()).exitCode).toBe(3);
    const r = await exit3ok().output();
    expect(r.isSuccess).toBe(true);
    expect(r.ensureSuccess()).toBe(r);
    expect(r.okCodes).toEqual([0, 3]);
    expect(await exit3ok().parse((s) => s.trim())).toBe("partial");
  });
  it("0 is not special: okCodes([3]) makes exit 0 a failure", async () => {
    const e = expectExitError(await reject(ok().okCodes([3]).run()), 0);
    expect(e.message).toMatch(/exited with code 0/);
  });
  it("exitCode() and probe() ignore okCodes", async () => {
    expect(await exit3ok().exitCode()).toBe(3);
    expectExitError(await reject(exit3ok().probe()), 3);
    expect(await exit1().okCodes([0, 1]).probe()).toBe(false);
  });
  it("an accepted code does not excuse a timeout or a signal", async () => {
    expect(await reject(hang().okCodes([0, 1, 2, 3]).run())).toBeInstanceOf(TimeoutError);
    expect(await reject(killed().okCodes([0, 143]).run())).toBeInstanceOf(SignalledError);
  });
});

describe("the same verbs on a runner", () => {
  it("JobRunner has every verb and agrees with Command", async () => {
    const runner = new JobRunner();
    expect(await runner.run(ok())).toBe("out line");
    expect((await runner.output(exit3())).exitCode).toBe(3);
    expect((await runner.outputBytes(ok())).stdout.length).toBe(9);
    expect((await runner.checked(ok())).isSuccess).toBe(true);
    expect(await runner.exitCode(exit3())).toBe(3);
    expect(await runner.probe(exit1())).toBe(false);
    expect(await runner.parse(ok(), (s) => s.length)).toBe(9);
    expect(await runner.json(node(`console.log("[1]")`))).toEqual([1]);
    expect(await runner.firstLine(ok())).toBe("out line");
    const proc = await runner.start(ok());
    expect((await proc.output()).stdout).toBe("out line\n");
  });
});
