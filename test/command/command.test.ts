/** The Command builder as data: immutability, accessors and display forms that never leak env values. */
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { Command } from "../../src/index.js";

const SECRET = "sentinel-Zq8v-DO-NOT-PRINT";

describe("immutability", () => {
  it("every builder method returns a new Command and leaves the original unchanged", () => {
    const original = new Command("git", ["status"]);
    const before = JSON.stringify(original.toJSON());
    const methods: [string, (c: Command) => Command][] = [
      ["arg", (c) => c.arg("x")],
      ["args", (c) => c.args(["x", "y"])],
      ["cwd", (c) => c.cwd("/tmp")],
      ["env", (c) => c.env({ A: "1" })],
      ["envRemove", (c) => c.envRemove(["HOME"])],
      ["envClear", (c) => c.envClear()],
      ["inheritEnv", (c) => c.inheritEnv(["PATH"])],
      ["stdin", (c) => c.stdin("text")],
      ["keepStdinOpen", (c) => c.keepStdinOpen()],
      ["stdout", (c) => c.stdout("ignore")],
      ["stderr", (c) => c.stderr("inherit")],
      ["encoding", (c) => c.encoding("latin1")],
      ["outputLimit", (c) => c.outputLimit({ maxBytes: 10, onOverflow: "error" })],
      ["onStdoutLine", (c) => c.onStdoutLine(() => {})],
      ["onStderrLine", (c) => c.onStderrLine(() => {})],
      ["okCodes", (c) => c.okCodes([0, 1])],
      ["timeout", (c) => c.timeout("1s")],
      ["timeoutGrace", (c) => c.timeoutGrace("1s")],
      ["timeoutSignal", (c) => c.timeoutSignal("SIGINT")],
      ["inactivityTimeout", (c) => c.inactivityTimeout("1s")],
      ["cancelOn", (c) => c.cancelOn(new AbortController().signal)],
      ["uid", (c) => c.uid(1000)],
      ["gid", (c) => c.gid(1000)],
    ];
    for (const [name, apply] of methods) {
      const next = apply(original);
      expect(next, name).toBeInstanceOf(Command);
      expect(next, name).not.toBe(original);
    }
    expect(JSON.stringify(original.toJSON())).toBe(before);
    expect(original.argv).toEqual(["status"]);
  });

  it("argv is a copy: mutating it changes nothing", () => {
    const c = new Command("echo", ["a"]);
    const argv = c.argv;
    argv.push("b");
    expect(c.argv).toEqual(["a"]);
  });

  it("the args array passed in is copied", () => {
    const args = ["a"];
    const c = new Command("echo", args);
    args.push("b");
    expect(c.argv).toEqual(["a"]);
  });

  it("branches from one base do not see each other's changes", () => {
    const base = new Command("node").env({ A: "1" });
    const one = base.env({ B: "2" }).arg("one");
    const two = base.env({ C: "3" }).arg("two");
    expect(one.toJSON()).toMatchObject({ args: ["one"], envNames: ["A", "B"] });
    expect(two.toJSON()).toMatchObject({ args: ["two"], envNames: ["A", "C"] });
    expect(base.toJSON()).toMatchObject({ args: [], envNames: ["A"] });
  });

  it("an env object mutated after the call does not change the command", () => {
    const vars: Record<string, string> = { A: "1" };
    const c = new Command("x").env(vars);
    vars.B = "2";
    expect(c.toJSON().envNames).toEqual(["A"]);
  });

  it("a Command can be run twice", async () => {
    const c = new Command("echo", ["again"]);
    expect(await c.run()).toBe("again");
    expect(await c.run()).toBe("again");
  });
});

describe("accessors and display", () => {
  it("program and argv", () => {
    const c = new Command("git", ["log", "--oneline"]).arg("-n").args(["3"]);
    expect(c.program).toBe("git");
    expect(c.argv).toEqual(["log", "--oneline", "-n", "3"]);
  });

  it("toString() is a shell-quoted display form", () => {
    const c = new Command("printf", ["%s\\n", "it's", "a b", "", "plain-arg_1.2/x=y"]);
    expect(c.toString()).toBe(`printf '%s\\n' 'it'\\''s' 'a b' '' plain-arg_1.2/x=y`);
  });

  it("toJSON() has program, args, cwd and env names", () => {
    const c = new Command("x", ["y"]).cwd("/tmp").env({ A: "1" }).envRemove(["B"]);
    expect(c.toJSON()).toEqual({ program: "x", args: ["y"], cwd: "/tmp", envNames: ["A", "B"] });
  });

  it("env values never appear in toString(), toJSON(), JSON.stringify or util.inspect", () => {
    const c = new Command("deploy", ["--prod"])
      .env({ API_TOKEN: SECRET })
      .inheritEnv(["PATH"])
      .cancelOn(new AbortController().signal);
    for (const text of [
      c.toString(),
      JSON.stringify(c),
      JSON.stringify(c.toJSON()),
      inspect(c),
      inspect(c, { depth: 10, showHidden: true }),
      String(c),
      `${c}`,
    ]) {
      expect(text).not.toContain(SECRET);
    }
    expect(inspect(c)).toContain("API_TOKEN");
  });
});
