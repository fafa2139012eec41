import { describe, expect, it } from "vitest";
import { Command, ExitError, InvalidInputError } from "../../src/index.js";
import { RecordingRunner, Reply, ScriptedRunner } from "../../src/testing/index.js";
import { node } from "../helpers/scripts.js";

describe("RecordingRunner", () => {
  it("records program, args, cwd, env names (never values) and stdin, then delegates", async () => {
    const inner = new ScriptedRunner().fallback(Reply.ok("done\n"));
    const runner = new RecordingRunner(inner);
    const cmd = new Command("git", ["commit", "-m", "msg"])
      .cwd("/repo")
      .env({ GIT_AUTHOR_NAME: "secret-value", GIT_PAGER: "cat" })
      .envRemove(["GIT_DIR"])
      .stdin("data");
    expect(await runner.run(cmd)).toBe("done");
    const call = runner.onlyCall();
    expect(call.verb).toBe("output");
    expect(call.program).toBe("git");
    expect(call.args).toEqual(["commit", "-m", "msg"]);
    expect(call.cwd).toBe("/repo");
    expect(call.envNames).toEqual(["GIT_AUTHOR_NAME", "GIT_PAGER"]);
    expect(call.envRemoved).toEqual(["GIT_DIR"]);
    expect(call.hasStdin).toBe(true);
    expect(call.command).toBe(cmd);
    expect(JSON.stringify({ ...call, command: call.command.toJSON() })).not.toContain("secret-value");
  });

  it("calls lists every invocation in order, with the primitive each verb used", async () => {
    const runner = new RecordingRunner(new ScriptedRunner().fallback(Reply.lines(["x"])));
    await runner.output(new Command("a"));
    await runner.outputBytes(new Command("b"));
    await runner.firstLine(new Command("c"));
    await runner.probe(new Command("d"));
    expect(runner.calls.map((c) => [c.verb, c.program])).toEqual([
      ["output", "a"],
      ["outputBytes", "b"],
      ["start", "c"],
      ["output", "d"],
    ]);
    expect(runner.calls.every((c) => c.hasStdin === false && c.cwd === undefined)).toBe(true);
    // `calls` is a copy.
    (runner.calls as unknown[]).length = 0;
    expect(runner.calls).toHaveLength(4);
  });

  it("onlyCall throws on zero or several calls, listing them; clear() forgets", async () => {
    const runner = new RecordingRunner(new ScriptedRunner().fallback(Reply.ok()));
    expect(() => runner.onlyCall()).toThrow("expected exactly one call, got 0");
    await runner.output(new Command("first"));
    await runner.output(new Command("second", ["--flag"]));
    expect(() => runner.onlyCall()).toThrow("got 2: first | second --flag");
    runner.clear();
    expect(runner.calls).toHaveLength(0);
  });

  it("records a call even when the inner runner fails, and passes the failure through", async () => {
    const runner = new RecordingRunner(new ScriptedRunner().on(["bad"], Reply.fail(4, "nope")));
    await expect(runner.run(new Command("bad"))).rejects.toBeInstanceOf(ExitError);
    expect(runner.onlyCall().program).toBe("bad");
  });

  it("keepStdinOpen counts as stdin; an explicit ignore does not", async () => {
    const runner = new RecordingRunner(new ScriptedRunner().fallback(Reply.ok()));
    await runner.output(new Command("a").keepStdinOpen());
    await runner.output(new Command("b").stdin("ignore"));
    expect(runner.calls.map((c) => c.hasStdin)).toEqual([true, false]);
  });

  it("wraps the real JobRunner by default", async () => {
    const runner = new RecordingRunner();
    expect(await runner.run(node("process.stdout.write('real')"))).toBe("real");
    expect(runner.onlyCall().program).toBe(process.execPath);
  });

  it("rejects a non-runner", () => {
    expect(() => new RecordingRunner({} as never)).toThrow(InvalidInputError);
  });
});
