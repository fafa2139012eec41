import { afterEach, describe, expect, it, vi } from "vitest";
import {
  CancelledError,
  CassetteMissError,
  Command,
  ExitError,
  InvalidInputError,
  SignalledError,
  SpawnError,
  TimeoutError,
} from "../../src/index.js";
import { Reply, ScriptedRunner, ScriptMissError } from "../../src/testing/index.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("ScriptedRunner rules", () => {
  it("matches program + args prefix element-wise, program first", async () => {
    const runner = new ScriptedRunner().on(["git", "rev-parse"], Reply.ok("abc123\n"));
    expect(await runner.run(new Command("git", ["rev-parse", "HEAD"]))).toBe("abc123");
    expect(await runner.run(new Command("git", ["rev-parse"]))).toBe("abc123");
    await expect(runner.output(new Command("git", ["log"]))).rejects.toBeInstanceOf(ScriptMissError);
    await expect(runner.output(new Command("hg", ["rev-parse"]))).rejects.toBeInstanceOf(ScriptMissError);
    // A prefix is element-wise, not a string prefix.
    await expect(runner.output(new Command("git", ["rev-parse-x"]))).rejects.toBeInstanceOf(ScriptMissError);
  });

  it("a bare program string matches any args", async () => {
    const runner = new ScriptedRunner().on("make", Reply.ok("built"));
    expect(await runner.run(new Command("make", ["-j", "4", "all"]))).toBe("built");
  });

  it("rules match in registration order: the first match wins", async () => {
    const runner = new ScriptedRunner()
      .on(["git", "status"], Reply.ok("specific"))
      .on(["git"], Reply.ok("general"));
    expect(await runner.run(new Command("git", ["status"]))).toBe("specific");
    expect(await runner.run(new Command("git", ["diff"]))).toBe("general");
  });

  it("onSequence answers each reply once in order, then the last one repeats", async () => {
    const runner = new ScriptedRunner().onSequence(["server"], [Reply.fail(1, "boom"), Reply.ok("up")]);
    const codes: (number | null)[] = [];
    for (let i = 0; i < 4; i++) codes.push((await runner.output(new Command("server"))).exitCode);
    expect(codes).toEqual([1, 0, 0, 0]);
  });

  it("when(pred) matches by predicate", async () => {
    const runner = new ScriptedRunner().when((cmd) => cmd.argv.includes("--dry-run"), Reply.ok("dry"));
    expect(await runner.run(new Command("deploy", ["--dry-run"]))).toBe("dry");
    await expect(runner.output(new Command("deploy"))).rejects.toBeInstanceOf(ScriptMissError);
  });

  it("a throwing when() predicate rejects the verb with its error", async () => {
    const boom = new Error("predicate bug");
    const runner = new ScriptedRunner().when(() => {
      throw boom;
    }, Reply.ok());
    await expect(runner.output(new Command("x"))).rejects.toBe(boom);
  });

  it("fallback answers what no rule matched", async () => {
    const runner = new ScriptedRunner().on(["a"], Reply.ok("a")).fallback(Reply.spawnError("not scripted"));
    expect(await runner.run(new Command("a"))).toBe("a");
    const error = await runner.output(new Command("b")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpawnError);
    expect((error as SpawnError).message).toContain("not scripted");
  });

  it("a miss without fallback is a loud ScriptMissError naming the command and the rules", async () => {
    const runner = new ScriptedRunner().on(["git", "status"], Reply.ok());
    const error = await runner.output(new Command("git", ["push", "--force"])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScriptMissError);
    expect(error).toBeInstanceOf(CassetteMissError);
    expect((error as ScriptMissError).reason).toBe("cassette-miss");
    expect((error as Error).message).toContain("git push --force");
    expect((error as Error).message).toContain("git status");
    expect((error as ScriptMissError).command.argv).toEqual(["push", "--force"]);
  });

  it("rejects bad rules and replies with InvalidInputError", () => {
    const runner = new ScriptedRunner();
    expect(() => runner.on([], Reply.ok())).toThrow(InvalidInputError);
    expect(() => runner.on([""], Reply.ok())).toThrow(InvalidInputError);
    expect(() => runner.on(["a\0b"], Reply.ok())).toThrow(InvalidInputError);
    expect(() => runner.on(["a"], "ok" as unknown as Reply)).toThrow(InvalidInputError);
    expect(() => runner.onSequence(["a"], [])).toThrow(InvalidInputError);
    expect(() => runner.when("x" as unknown as () => boolean, Reply.ok())).toThrow(InvalidInputError);
    expect(() => Reply.fail(1.5)).toThrow(InvalidInputError);
    expect(() => Reply.fail(256)).toThrow(InvalidInputError);
    expect(() => Reply.signalled("SIGNOPE" as NodeJS.Signals)).toThrow(InvalidInputError);
    expect(() => Reply.lines(["a"], { delay: "5 parsecs" })).toThrow(InvalidInputError);
    expect(() => Reply.ok().after(-1)).toThrow(InvalidInputError);
  });
});

describe("ScriptedRunner replies through every verb", () => {
  const runner = new ScriptedRunner()
    .on(["ok"], Reply.ok("hello\n"))
    .on(["fail"], Reply.fail(3, "first\nlast words\n"))
    .on(["timeout"], Reply.timeout().withStdout("partial\n"))
    .on(["signalled"], Reply.signalled("SIGSEGV"))
    .on(["spawn"], Reply.spawnError("exec format error"))
    .on(["json"], Reply.ok('{"a":1}'))
    .on(["probe-no"], Reply.fail(1))
    .on(["lines"], Reply.lines(["one", "two", "three"]));

  it("ok: output, run, checked, exitCode, probe, parse, json, firstLine", async () => {
    const result = await runner.output(new Command("ok"));
    expect(result.isSuccess).toBe(true);
    expect(result.stdout).toBe("hello\n");
    expect(result.exitCode).toBe(0);
    expect(await runner.run(new Command("ok"))).toBe("hello");
    expect((await runner.checked(new Command("ok"))).stdout).toBe("hello\n");
    expect(await runner.exitCode(new Command("ok"))).toBe(0);
    expect(await runner.probe(new Command("ok"))).toBe(true);
    expect(await runner.probe(new Command("probe-no"))).toBe(false);
    expect(await runner.parse(new Command("ok"), (s) => s.length)).toBe(6);
    expect(await runner.json(new Command("json"))).toEqual({ a: 1 });
    expect(await runner.firstLine(new Command("lines"), (l) => l.startsWith("t"))).toBe("two");
    const bytes = await runner.outputBytes(new Command("ok"));
    expect(Buffer.from(bytes.stdout).toString()).toBe("hello\n");
  });

  it("fail(code, stderr): data on output, ExitError with the last stderr line on run", async () => {
    const result = await runner.output(new Command("fail"));
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toBe("first\nlast words\n");
    expect(await runner.exitCode(new Command("fail"))).toBe(3);
    const error = await runner.run(new Command("fail")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExitError);
    expect((error as ExitError).message).toBe("fail exited with code 3: last words");
  });

  it("fail honours the command's okCodes", async () => {
    const result = await runner.output(new Command("fail").okCodes([0, 3]));
    expect(result.isSuccess).toBe(true);
  });

  it("timeout: a timed-out result at once, the command's deadline reported", async () => {
    const result = await runner.output(new Command("timeout").timeout("10s"));
    expect(result.timedOut).toBe(true);
    expect(result.outcome).toEqual({ kind: "timed-out" });
    expect(result.exitCode).toBeNull();
    expect(result.timeoutMs).toBe(10_000);
    expect(result.stdout).toBe("partial\n");
    const error = await runner.run(new Command("timeout").timeout("10s")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).stdout).toBe("partial\n");
    const bytes = await runner.outputBytes(new Command("timeout"));
    expect(bytes.timedOut).toBe(true);
    expect(Buffer.from(bytes.stdout).toString()).toBe("partial\n");
  });

  it("signalled: data on output, SignalledError on checking verbs", async () => {
    const result = await runner.output(new Command("signalled"));
    expect(result.signal).toBe("SIGSEGV");
    expect(result.exitCode).toBeNull();
    await expect(runner.exitCode(new Command("signalled"))).rejects.toBeInstanceOf(SignalledError);
  });

  it("spawnError: every verb rejects with SpawnError, start too", async () => {
    await expect(runner.output(new Command("spawn"))).rejects.toBeInstanceOf(SpawnError);
    await expect(runner.run(new Command("spawn"))).rejects.toThrow("exec format error");
    await expect(runner.start(new Command("spawn"))).rejects.toBeInstanceOf(SpawnError);
  });

  it("bulk replies replay through the command's line handlers (a throwing handler is disabled)", async () => {
    const seen: string[] = [];
    const errs: string[] = [];
    let throwingCalls = 0;
    const cmd = new Command("lines")
      .onStdoutLine((l) => seen.push(l))
      .onStdoutLine(() => {
        throwingCalls++;
        throw new Error("handler bug");
      })
      .onStderrLine((l) => errs.push(l));
    const result = await runner.output(cmd);
    expect(result.stdout).toBe("one\ntwo\nthree\n");
    expect(seen).toEqual(["one", "two", "three"]);
    expect(throwingCalls).toBe(1);
    await runner.output(new Command("fail").onStderrLine((l) => errs.push(l)));
    expect(errs).toEqual(["first", "last words"]);
    const timedOutLines: string[] = [];
    await runner.output(new Command("timeout").onStdoutLine((l) => timedOutLines.push(l)));
    expect(timedOutLines).toEqual(["partial"]);
  });

  it("a bulk Reply.timeout() disables a throwing handler after its first line, like a real pump", async () => {
    const runner = new ScriptedRunner().on(["t"], Reply.timeout().withStdout("a\nb\nc\n"));
    let throwingCalls = 0;
    const seen: string[] = [];
    await runner.output(
      new Command("t")
        .onStdoutLine(() => {
          throwingCalls++;
          throw new Error("handler bug");
        })
        .onStdoutLine((l) => seen.push(l)),
    );
    expect(throwingCalls).toBe(1);
    expect(seen).toEqual(["a", "b", "c"]);
  });

  it("output limits apply to canned output like to a real child", async () => {
    const many = new ScriptedRunner().on(
      ["many"],
      Reply.lines(Array.from({ length: 10 }, (_, i) => `l${i}`)),
    );
    const result = await many.output(
      new Command("many").outputLimit({ maxLines: 3, onOverflow: "drop-oldest" }),
    );
    expect(result.truncated).toBe(true);
    expect(result.stdout).toBe("l7\nl8\nl9\n");
  });
});

describe("ScriptedRunner pending, cancel and deadlines", () => {
  it("pending never settles until the command's cancel signal fires → CancelledError with the reason", async () => {
    const runner = new ScriptedRunner().on(["wait"], Reply.pending());
    const controller = new AbortController();
    let settled = false;
    const run = runner.output(new Command("wait").cancelOn(controller.signal)).finally(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    const reason = new Error("user stop");
    controller.abort(reason);
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as CancelledError).cause).toBe(reason);
  });

  it("an already-aborted command rejects at once and consumes no sequence entry", async () => {
    const runner = new ScriptedRunner().onSequence(["s"], [Reply.ok("first"), Reply.ok("second")]);
    const controller = new AbortController();
    controller.abort();
    await expect(runner.output(new Command("s").cancelOn(controller.signal))).rejects.toBeInstanceOf(
      CancelledError,
    );
    expect(await runner.run(new Command("s"))).toBe("first");
  });

  it("pending with a command timeout times out at exactly the deadline (virtual time)", async () => {
    vi.useFakeTimers();
    const runner = new ScriptedRunner().on(["wait"], Reply.pending().withStdout("started\n"));
    const start = Date.now();
    const promise = runner.output(new Command("wait").timeout("1.5s"));
    await vi.runAllTimersAsync();
    const result = await promise;
    expect(Date.now() - start).toBe(1_500);
    expect(result.timedOut).toBe(true);
    expect(result.timeoutMs).toBe(1_500);
    expect(result.stdout).toBe("started\n");
  });

  it("after(d) keeps the scripted run up for d of virtual time", async () => {
    vi.useFakeTimers();
    const runner = new ScriptedRunner().on(["slow"], Reply.fail(2).after("3s"));
    const start = Date.now();
    const promise = runner.output(new Command("slow"));
    await vi.runAllTimersAsync();
    const result = await promise;
    expect(Date.now() - start).toBe(3_000);
    expect(result.exitCode).toBe(2);
    expect(result.durationMs).toBe(3_000);
  });

  it("an inactivity timeout fires on a scripted run that goes quiet", async () => {
    vi.useFakeTimers();
    const runner = new ScriptedRunner().on(["quiet"], Reply.pending().withStdout("hello\n"));
    const start = Date.now();
    const promise = runner.output(new Command("quiet").inactivityTimeout("400ms"));
    await vi.runAllTimersAsync();
    const result = await promise;
    expect(result.outcome).toEqual({ kind: "inactivity-timed-out" });
    expect(Date.now() - start).toBe(400);
    expect(result.stdout).toBe("hello\n");
  });

  it("a command timeout shorter than after(d) wins", async () => {
    vi.useFakeTimers();
    const runner = new ScriptedRunner().on(["slow"], Reply.ok().after("3s"));
    const start = Date.now();
    const promise = runner.output(new Command("slow").timeout("1s"));
    await vi.runAllTimersAsync();
    const result = await promise;
    expect(Date.now() - start).toBe(1_000);
    expect(result.timedOut).toBe(true);
  });
});

describe("ScriptedRunner start(): canned bytes through the real RunningProcess", () => {
  it("streams lines, paced by delay, then finishes with the scripted exit", async () => {
    vi.useFakeTimers();
    const runner = new ScriptedRunner().on(["tail"], Reply.lines(["a", "b", "c"], { delay: "100ms" }));
    const proc = await runner.start(new Command("tail"));
    expect(proc.pid).toBeUndefined();
    const start = Date.now();
    const arrivals: [string, number][] = [];
    const consume = (async () => {
      for await (const line of proc.stdoutLines()) arrivals.push([line, Date.now() - start]);
    })();
    await vi.runAllTimersAsync();
    await consume;
    expect(arrivals).toEqual([
      ["a", 100],
      ["b", 200],
      ["c", 300],
    ]);
    const finished = await proc.finish();
    expect(finished.outcome).toEqual({ kind: "exited", code: 0 });
  });

  it("the command's timeout still applies: a pending child is ended by its deadline", async () => {
    vi.useFakeTimers();
    const runner = new ScriptedRunner().on(["hang"], Reply.pending());
    const proc = await runner.start(new Command("hang").timeout("2s"));
    const start = Date.now();
    const finished = proc.finish();
    await vi.runAllTimersAsync();
    expect((await finished).outcome).toEqual({ kind: "timed-out" });
    expect(Date.now() - start).toBe(2_000);
  });

  it("Reply.timeout() through start() ends by the real deadline machinery", async () => {
    vi.useFakeTimers();
    const runner = new ScriptedRunner().on(["t"], Reply.timeout());
    const proc = await runner.start(new Command("t").timeout("750ms"));
    const start = Date.now();
    const result = proc.output();
    await vi.runAllTimersAsync();
    expect((await result).timedOut).toBe(true);
    expect((await result).timeoutMs).toBe(750);
    expect(Date.now() - start).toBe(750);
  });

  it("kill() ends a pending child with SIGKILL; shutdown() with SIGTERM", async () => {
    const runner = new ScriptedRunner().on(["hang"], Reply.pending());
    const a = await runner.start(new Command("hang"));
    await a.kill();
    expect((await a.output()).signal).toBe("SIGKILL");
    const b = await runner.start(new Command("hang"));
    const finished = await b.shutdown({ grace: "1s" });
    expect(finished.outcome).toEqual({ kind: "signalled", signal: "SIGTERM" });
  });

  it("cancel ends a started pending child: the stream ends, finish() rejects with CancelledError", async () => {
    const runner = new ScriptedRunner().on(["hang"], Reply.pending().withStdout("ready\n"));
    const controller = new AbortController();
    const proc = await runner.start(new Command("hang").cancelOn(controller.signal));
    const lines: string[] = [];
    const reason = new Error("enough");
    await (async () => {
      for await (const line of proc.stdoutLines()) {
        lines.push(line);
        controller.abort(reason);
      }
    })().catch(() => {});
    expect(lines).toEqual(["ready"]);
    const error = await proc.finish().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as CancelledError).cause).toBe(reason);
  });

  it("an interactive command gets a writable stdin sink", async () => {
    const runner = new ScriptedRunner().on(["repl"], Reply.pending());
    const proc = await runner.start(new Command("repl").keepStdinOpen());
    await proc.stdin.writeLine("hello");
    await proc.kill();
  });
});
