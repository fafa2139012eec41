import { describe, expect, expectTypeOf, it } from "vitest";
import {
  BaseRunner,
  CancelledError,
  CliClient,
  Command,
  ExitError,
  InvalidInputError,
  type ProcessResult,
  type RunningProcess,
} from "../../src/index.js";
import { RecordingRunner, Reply, ScriptedRunner } from "../../src/testing/index.js";

function scripted(): { runner: RecordingRunner; inner: ScriptedRunner } {
  const inner = new ScriptedRunner()
    .on(["git", "-C", "/repo", "rev-parse"], Reply.ok("abc123\n"))
    .on(["git", "-C", "/repo", "config"], Reply.ok('{"a":1}\n'))
    .on(["git", "-C", "/repo", "diff", "--quiet"], Reply.fail(1))
    .on(["git", "-C", "/repo", "log"], Reply.lines(["c3 third", "c2 second", "c1 first"]))
    .on(["git", "-C", "/repo", "push"], Reply.fail(128, "fatal: no remote\n"))
    .on(["git", "-C", "/repo", "fetch"], Reply.pending());
  return { runner: new RecordingRunner(inner), inner };
}

describe("CliClient", () => {
  it("every verb of the verb table is on the client, with extra args after the leading args", async () => {
    const { runner } = scripted();
    const git = new CliClient("git", { args: ["-C", "/repo"], runner, env: { GIT_PAGER: "cat" } });
    // The derived verbs attached to every runner from the one verb list, plus the three primitives.
    const derived = Object.getOwnPropertyNames(BaseRunner.prototype).filter((n) => n !== "constructor");
    expect(derived.length).toBeGreaterThanOrEqual(7);
    for (const name of [...derived, "output", "outputBytes", "start"])
      expect(typeof (git as unknown as Record<string, unknown>)[name]).toBe("function");

    expect(await git.run("rev-parse", "HEAD")).toBe("abc123");
    expect((await git.output("rev-parse", "HEAD")).stdout).toBe("abc123\n");
    expect(Buffer.from((await git.outputBytes("rev-parse")).stdout).toString()).toBe("abc123\n");
    expect((await git.checked("rev-parse")).exitCode).toBe(0);
    expect(await git.exitCode("diff", "--quiet")).toBe(1);
    expect(await git.probe("diff", "--quiet")).toBe(false);
    expect(await git.json<{ a: number }>("config", "--list")).toEqual({ a: 1 });
    expect(await git.parse("log", (out) => out.split("\n").length)).toBe(4);
    expect(await git.firstLine("log", "--oneline", (l) => l.includes("second"))).toBe("c2 second");
    expect(await git.firstLine("log")).toBe("c3 third");
    const proc = await git.start("log");
    const lines: string[] = [];
    for await (const line of proc.stdoutLines()) lines.push(line);
    expect(lines).toEqual(["c3 third", "c2 second", "c1 first"]);

    const first = runner.calls[0];
    expect(first?.args).toEqual(["-C", "/repo", "rev-parse", "HEAD"]);
    expect(first?.envNames).toEqual(["GIT_PAGER"]);
    expect(runner.calls.map((c) => c.verb)).toContain("start");
  });

  it("types: verbs keep their return types; json and parse keep their type parameter", () => {
    // Only type-checked (npm run typecheck): calling these would spawn git.
    const typesOnly = (git: CliClient) => {
      expectTypeOf(git.run).returns.toEqualTypeOf<Promise<string>>();
      expectTypeOf(git.output("x")).toEqualTypeOf<Promise<ProcessResult<string>>>();
      expectTypeOf(git.start("x")).toEqualTypeOf<Promise<RunningProcess>>();
      expectTypeOf(git.json<{ a: number }>("x")).toEqualTypeOf<Promise<{ a: number }>>();
      expectTypeOf(git.parse("x", (s) => s.length)).toEqualTypeOf<Promise<number>>();
      expectTypeOf(git.parse(git.command("x"), (s) => s.length)).toEqualTypeOf<Promise<number>>();
      expectTypeOf(git.firstLine("x", (l) => l === "y")).toEqualTypeOf<Promise<string | undefined>>();
    };
    expect(typeof typesOnly).toBe("function");
  });

  it("command() returns a Command to refine; a verb given it runs it through the client's runner", async () => {
    const { runner } = scripted();
    const git = new CliClient("git", { args: ["-C", "/repo"], runner, cwd: "/default", timeout: "10s" });
    const cmd = git.command("log", "--oneline");
    expect(cmd).toBeInstanceOf(Command);
    expect(cmd.argv).toEqual(["-C", "/repo", "log", "--oneline"]);
    expect(await git.firstLine(cmd.cwd("/elsewhere"))).toBe("c3 third");
    expect(runner.onlyCall().cwd).toBe("/elsewhere");
  });

  it("a call contradicting a default wins: cwd, env, timeout, okCodes set on the command override the client's", async () => {
    const { runner } = scripted();
    const git = new CliClient("git", {
      args: ["-C", "/repo"],
      runner,
      cwd: "/default",
      env: { GIT_PAGER: "less", KEEP: "1" },
      okCodes: [0],
    });
    const result = await git.checked(
      git.command("push").cwd("/call").env({ GIT_PAGER: "cat" }).okCodes([128]),
    );
    expect(result.exitCode).toBe(128);
    const call = runner.onlyCall();
    expect(call.cwd).toBe("/call");
    expect(call.envNames).toEqual(["GIT_PAGER", "KEEP"]);
    await expect(git.run("push")).rejects.toBeInstanceOf(ExitError);
  });

  it("the client's cancel signal reaches every call", async () => {
    const { runner } = scripted();
    const controller = new AbortController();
    const git = new CliClient("git", { args: ["-C", "/repo"], runner, cancelOn: controller.signal });
    const pending = git.run("fetch");
    controller.abort(new Error("user quit"));
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
  });

  it("with() extends the defaults: env merges, args append, the rest is replaced", async () => {
    const { runner } = scripted();
    const git = new CliClient("git", { runner, env: { A: "1" }, cwd: "/one" });
    const repo = git.with({ args: ["-C", "/repo"], env: { B: "2" }, cwd: "/two" });
    expect(await repo.run("rev-parse", "HEAD")).toBe("abc123");
    const call = runner.onlyCall();
    expect(call.args).toEqual(["-C", "/repo", "rev-parse", "HEAD"]);
    expect(call.envNames).toEqual(["A", "B"]);
    expect(call.cwd).toBe("/two");
    expect(git.command().argv).toEqual([]);
  });

  it("subclasses add typed methods, and with() keeps the subclass", async () => {
    class Git extends CliClient {
      constructor(runner: ScriptedRunner) {
        super("git", { args: ["-C", "/repo"], runner });
      }
      head(): Promise<string> {
        return this.run("rev-parse", "HEAD");
      }
    }
    const git = new Git(scripted().inner).with({ timeout: "5s" });
    expect(git).toBeInstanceOf(Git);
    expect(await git.head()).toBe("abc123");
  });

  it("bad input is a typed error naming the argument: program, unknown option, bad default, bad runner, bad arg", () => {
    expect(() => new CliClient("")).toThrow(InvalidInputError);
    expect(() => new CliClient("git", { timout: "1s" } as never)).toThrow(/unknown option "timout"/);
    expect(() => new CliClient("git", { timeout: "5 parsecs" })).toThrow(InvalidInputError);
    expect(() => new CliClient("git", { runner: {} as never })).toThrow(/runner: expected a ProcessRunner/);
    expect(() => new CliClient("git", "x" as never)).toThrow(/options: expected an object/);
    const git = new CliClient("git", { runner: new ScriptedRunner().fallback(Reply.ok()) });
    expect(() => git.run("log", 5 as never)).toThrow(/args\[1\] must be a string/);
    expect(() => (git.run as (...a: unknown[]) => unknown)("log", () => true, "x")).toThrow(/args\[2\]/);
    expect(() => git.command("a\0b")).toThrow(InvalidInputError);
    expect(() => git.with({ retry: { attempts: 0 } })).toThrow(/retry.attempts/);
  });

  it("toString shows the base command, never env values", () => {
    const git = new CliClient("git", { args: ["-C", "/r"], env: { TOKEN: "s3cret-value" } });
    expect(String(git)).toBe("CliClient(git -C /r)");
  });
});
