import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CancelledError, Command, ExitError, ParseError } from "../../src/index.js";
import { retryDelay } from "../../src/runner/retry.js";
import { RecordingRunner, Reply, ScriptedRunner } from "../../src/testing/index.js";
import { node } from "../helpers/scripts.js";

afterEach(() => {
  vi.useRealTimers();
});

const flaky = (...replies: Reply[]) => new ScriptedRunner().onSequence(["flaky"], replies);
const cmd = new Command("flaky");

describe("retry", () => {
  it("retries a failing checking verb until it succeeds", async () => {
    const runner = flaky(Reply.fail(1, "boom"), Reply.fail(1, "boom"), Reply.ok("done\n"));
    await expect(runner.run(cmd.retry({ attempts: 3, delay: 0 }))).resolves.toBe("done");
  });

  it("gives up after `attempts` and throws the last error", async () => {
    const runner = flaky(Reply.fail(1, "first"), Reply.fail(2, "second"), Reply.fail(3, "third"), Reply.ok());
    const error = await runner.checked(cmd.retry({ attempts: 3, delay: 0 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExitError);
    expect((error as ExitError).exitCode).toBe(3);
  });

  it("applies to every checking verb: exitCode, probe, parse, json", async () => {
    const retry = cmd.retry({ attempts: 2, delay: 0 });
    await expect(flaky(Reply.timeout(), Reply.ok()).exitCode(retry)).resolves.toBe(0);
    await expect(flaky(Reply.signalled("SIGKILL"), Reply.fail(1)).probe(retry)).resolves.toBe(false);
    await expect(flaky(Reply.fail(9), Reply.ok("42")).parse(retry, Number)).resolves.toBe(42);
    await expect(flaky(Reply.fail(9), Reply.ok('{"a":1}')).json(retry)).resolves.toEqual({ a: 1 });
  });

  it("never retries the data verbs", async () => {
    const runner = flaky(Reply.fail(1), Reply.ok());
    const result = await runner.output(cmd.retry({ attempts: 5, delay: 0 }));
    expect(result.exitCode).toBe(1);
  });

  it("does not retry errors retryOn rejects, nor a ParseError by default", async () => {
    const runner = flaky(Reply.fail(4), Reply.ok());
    const error = await runner
      .run(cmd.retry({ attempts: 3, delay: 0, retryOn: () => false }))
      .catch((e: unknown) => e);
    expect((error as ExitError).exitCode).toBe(4);
    const parseFails = flaky(Reply.ok("x"), Reply.ok("y"));
    await expect(
      parseFails.parse(cmd.retry({ attempts: 3, delay: 0 }), () => {
        throw new Error("nope");
      }),
    ).rejects.toBeInstanceOf(ParseError);
  });

  it("never retries a cancel, and a cancel ends the backoff sleep at once", async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const runner = new RecordingRunner(flaky(Reply.fail(1), Reply.ok()));
    const pending = runner
      .run(cmd.retry({ attempts: 3, delay: "10m", jitter: false }).cancelOn(controller.signal))
      .catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000); // well inside the 10-minute backoff
    controller.abort(new Error("stop"));
    const error = await pending;
    expect(error).toBeInstanceOf(CancelledError);
    expect(runner.calls).toHaveLength(1);
  });

  it("waits delay · factor^n between attempts (fake timers, no jitter)", async () => {
    vi.useFakeTimers();
    const runner = flaky(Reply.fail(1), Reply.fail(1), Reply.ok("ok"));
    const started = Date.now();
    const pending = runner.run(cmd.retry({ attempts: 3, delay: "100ms", factor: 3, jitter: false }));
    await vi.runAllTimersAsync();
    await expect(pending).resolves.toBe("ok");
    expect(Date.now() - started).toBe(100 + 300);
  });

  it("publishes processkit:retry without argv", async () => {
    const seen: unknown[] = [];
    const listener = (message: unknown) => seen.push(message);
    subscribe("processkit:retry", listener);
    try {
      await flaky(Reply.fail(1), Reply.ok()).run(
        new Command("flaky", ["--secret-arg"]).retry({ attempts: 2, delay: 0 }),
      );
    } finally {
      unsubscribe("processkit:retry", listener);
    }
    expect(seen).toEqual([{ program: "flaky", attempt: 2, of: 2, delayMs: 0 }]);
  });

  it("retryDelay caps at maxDelay and jitters within [0, d)", () => {
    const policy = {
      attempts: 9,
      delayMs: 100,
      factor: 2,
      maxDelayMs: 1_000,
      jitter: false,
      retryOn: undefined,
    };
    expect([0, 1, 2, 3, 4, 50].map((n) => retryDelay(policy, n))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect(retryDelay({ ...policy, jitter: true }, 1, () => 0.5)).toBe(100);
    expect(retryDelay({ ...policy, jitter: true }, 1, () => 0)).toBe(0);
  });

  it("rejects bad policies synchronously", () => {
    expect(() => cmd.retry({ attempts: 0 })).toThrow(/retry.attempts/);
    expect(() => cmd.retry({ factor: 0.5 })).toThrow(/retry.factor/);
    expect(() => cmd.retry({ delay: "soon" })).toThrow(/retry.delay/);
  });

  it("retries a real flaky process (fails twice, then succeeds)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pk-retry-"));
    try {
      const counter = join(dir, "count");
      const script = `const fs = require("fs"); const f = ${JSON.stringify(counter)};
        const n = fs.existsSync(f) ? Number(fs.readFileSync(f, "utf8")) + 1 : 1; fs.writeFileSync(f, String(n));
        if (n < 3) { console.error("attempt " + n + " failed"); process.exit(1); } console.log("attempt " + n);`;
      await expect(node(script).retry({ attempts: 5, delay: 10 }).run()).resolves.toBe("attempt 3");
      expect(readFileSync(counter, "utf8")).toBe("3");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("does not retry a command fed by a one-shot stdin source", async () => {
    function* lines() {
      yield "only once";
    }
    const runner = new RecordingRunner(flaky(Reply.fail(1), Reply.ok()));
    await expect(runner.run(cmd.stdin(lines()).retry({ attempts: 3, delay: 0 }))).rejects.toBeInstanceOf(
      ExitError,
    );
    expect(runner.calls).toHaveLength(1);
  });
});
