/** Supervisor.start(): live sessions — status, stop, events, done — on ScriptedRunner. */
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  BaseRunner,
  CancelledError,
  Command as Cmd,
  type Command,
  InvalidInputError,
  type ProcessResult,
  type RunningProcess,
  StopReason,
  Supervisor,
  type SupervisorEvent,
} from "../../src/index.js";
import { EventLog } from "../../src/supervisor/event-log.js";
import { Reply, ScriptedRunner, ScriptMissError } from "../../src/testing/index.js";

const fake = new Cmd("fake");

afterEach(() => {
  vi.useRealTimers();
});

/** Reads events until one matches; returns everything read. */
async function until(
  events: AsyncIterableIterator<SupervisorEvent>,
  match: (e: SupervisorEvent) => boolean,
): Promise<SupervisorEvent[]> {
  const seen: SupervisorEvent[] = [];
  for (;;) {
    const next = await events.next();
    if (next.done) return seen;
    seen.push(next.value);
    if (match(next.value)) return seen;
  }
}

async function all(events: AsyncIterableIterator<SupervisorEvent>): Promise<SupervisorEvent[]> {
  const seen: SupervisorEvent[] = [];
  for await (const e of events) seen.push(e);
  return seen;
}

describe("session events", () => {
  it("events come in order: started, exited, restart scheduled, started, exited, stopped", async () => {
    const runner = new ScriptedRunner().onSequence(["fake"], [Reply.fail(1), Reply.ok()]);
    const session = new Supervisor(fake).withRunner(runner).backoff("250ms").jitter(false).start();
    const events = await all(session.events());
    expect(events.map((e) => e.type)).toEqual([
      "incarnation-started",
      "incarnation-exited",
      "restart-scheduled",
      "incarnation-started",
      "incarnation-exited",
      "stopped",
    ]);
    const [started, exited, scheduled, , exited2, stopped] = events;
    expect(started).toMatchObject({ incarnation: 1, pid: undefined });
    expect(exited).toMatchObject({ incarnation: 1, crashed: true, healthKilled: false });
    expect((exited as { result: ProcessResult }).result.exitCode).toBe(1);
    expect(scheduled).toMatchObject({ restart: 1, delayMs: 250, exponent: 0, storm: false });
    expect(exited2).toMatchObject({ incarnation: 2, crashed: false });
    expect(stopped).toMatchObject({ reason: StopReason.PolicySatisfied, restarts: 1 });
    for (const e of events) expect(typeof (e as { at: number }).at).toBe("number");
    const outcome = await session.done;
    expect(outcome.restarts).toBe(1);
  });

  it("a failed start, a storm pause, a health-check miss and giving up are events too", async () => {
    vi.useFakeTimers();
    const runner = new ScriptedRunner().onSequence(
      ["fake"],
      [Reply.spawnError("nope"), Reply.pending(), Reply.fail(9)],
    );
    const session = new Supervisor(fake)
      .withRunner(runner)
      .backoff(0)
      .jitter(false)
      .stormPause("1s")
      .failureThreshold(1.5)
      .healthCheck(() => false, { interval: "100ms", failures: 1 })
      .giveUpWhen((a) => a.kind === "crashed" && a.result.exitCode === 9)
      .start();
    const reading = all(session.events());
    await vi.runAllTimersAsync();
    const events = await reading;
    expect(events.map((e) => e.type)).toEqual([
      "incarnation-failed",
      "restart-scheduled",
      "incarnation-started",
      "health-check-failed",
      "incarnation-exited",
      "storm-pause",
      "restart-scheduled",
      "incarnation-started",
      "incarnation-exited",
      "gave-up",
      "stopped",
    ]);
    expect(events[0]).toMatchObject({ incarnation: 1, reason: "spawn" });
    expect(events[3]).toMatchObject({ consecutive: 1, failures: 1, killing: true });
    expect(events[4]).toMatchObject({ healthKilled: true, crashed: true });
    // Two failures 100 ms apart: 1 · 0.5^(100/30000) + 1 ≈ 1.998, past 1.5.
    expect(events[5]).toMatchObject({ pauseMs: 1_000, stormPauses: 1 });
    expect((events[5] as { score: number }).score).toBeCloseTo(1.998, 3);
    expect(events[6]).toMatchObject({ delayMs: 1_000, storm: true });
    expect(events[10]).toMatchObject({ reason: "gave-up", restarts: 2, stormPauses: 1, livenessKills: 1 });
  });

  it("two consumers see the same events; a late one gets the history first", async () => {
    const runner = new ScriptedRunner().onSequence(["fake"], [Reply.fail(1), Reply.ok()]);
    const session = new Supervisor(fake).withRunner(runner).backoff(0).start();
    const early = all(session.events());
    await session.done;
    const late = await all(session.events());
    expect(late.map((e) => e.type)).toEqual((await early).map((e) => e.type));
    expect(late).toHaveLength(6);
  });

  it("an error ends the stream with an errored event, and an unobserved done never rejects unhandled", async () => {
    const session = new Supervisor(fake).withRunner(new ScriptedRunner()).start();
    const events = await all(session.events());
    expect(events.map((e) => e.type)).toEqual(["incarnation-failed", "errored"]);
    expect(events[1]).toMatchObject({ reason: "cassette-miss" });
    expect((events[1] as { error: unknown }).error).toBeInstanceOf(ScriptMissError);
    // Not awaiting session.done here is the point: Vitest fails the run on an unhandled rejection.
  });

  it("the log keeps the newest events; a consumer that falls behind gets one lagged marker", async () => {
    const log = new EventLog<{ type: "n"; n: number }>(3);
    const slow = log.iterate();
    for (let n = 1; n <= 5; n++) log.push({ type: "n", n });
    log.close();
    const seen: unknown[] = [];
    for await (const e of slow) seen.push(e);
    expect(seen).toEqual([
      { type: "lagged", missed: 2 },
      { type: "n", n: 3 },
      { type: "n", n: 4 },
      { type: "n", n: 5 },
    ]);
  });
});

describe("session status and stop", () => {
  it("status() follows the phases: running, backoff, ended", async () => {
    vi.useFakeTimers();
    const runner = new ScriptedRunner().onSequence(["fake"], [Reply.fail(1).after("1s"), Reply.ok()]);
    const session = new Supervisor(fake).withRunner(runner).backoff("2s").jitter(false).start();
    const events = session.events();
    await until(events, (e) => e.type === "incarnation-started");
    const running = session.status();
    expect(running).toMatchObject({ state: "running", active: true, incarnation: 1, restarts: 0 });
    expect(running.startedAt).toBe(Date.now());
    await vi.advanceTimersByTimeAsync(1_000);
    await until(events, (e) => e.type === "restart-scheduled");
    expect(session.status()).toMatchObject({
      state: "backoff",
      active: false,
      pid: undefined,
      startedAt: undefined,
    });
    await vi.advanceTimersByTimeAsync(2_000);
    await session.done;
    expect(session.status()).toMatchObject({ state: "ended", active: false, incarnation: 2, restarts: 1 });
  });

  it("a session stopped during a backoff ends at once", async () => {
    vi.useFakeTimers();
    const runner = new ScriptedRunner().on(["fake"], Reply.fail(1));
    const session = new Supervisor(fake).withRunner(runner).backoff("10s").jitter(false).start();
    await until(session.events(), (e) => e.type === "restart-scheduled");
    const start = Date.now();
    const outcome = await session.stop();
    expect(Date.now() - start).toBe(0);
    expect(outcome.stopped).toBe(StopReason.Stopped);
    expect(outcome.restarts).toBe(0);
    expect(outcome.finalResult?.exitCode).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
    const events = await all(session.events());
    expect(events.at(-1)).toMatchObject({ type: "stopped", reason: "stopped" });
  });

  it("a session stopped during a storm pause ends at once", async () => {
    vi.useFakeTimers();
    const runner = new ScriptedRunner().on(["fake"], Reply.fail(1));
    const session = new Supervisor(fake)
      .withRunner(runner)
      .backoff(0)
      .stormPause("1h")
      .failureThreshold(0.5)
      .start();
    await until(session.events(), (e) => e.type === "storm-pause");
    expect(session.status().state).toBe("storm-paused");
    const outcome = await session.stop();
    expect(outcome).toMatchObject({ stopped: "stopped", stormPauses: 1 });
  });

  it("stop() during a run sends SIGTERM to the incarnation, then resolves with its result", async () => {
    const runner = new ScriptedRunner().on(["fake"], Reply.pending());
    const session = new Supervisor(fake).withRunner(runner).start();
    await until(session.events(), (e) => e.type === "incarnation-started");
    const outcome = await session.stop({ grace: "5s" });
    expect(outcome.stopped).toBe(StopReason.Stopped);
    expect(outcome.finalResult?.signal).toBe("SIGTERM");
    expect(outcome.restarts).toBe(0);
  });

  it("stop({ grace: 0 }) kills at once; await using does the same", async () => {
    const runner = new ScriptedRunner().on(["fake"], Reply.pending());
    const session = new Supervisor(fake).withRunner(runner).start();
    await until(session.events(), (e) => e.type === "incarnation-started");
    expect((await session.stop({ grace: 0 })).finalResult?.signal).toBe("SIGKILL");

    let disposed: Awaited<typeof session.done> | undefined;
    {
      await using scoped = new Supervisor(fake).withRunner(runner).start();
      await until(scoped.events(), (e) => e.type === "incarnation-started");
      void scoped.done.then((o) => {
        disposed = o;
      });
    }
    await Promise.resolve();
    expect(disposed?.stopped).toBe("stopped");
    expect(disposed?.finalResult?.signal).toBe("SIGKILL");
  });

  it("stop() is idempotent and returns done after the end", async () => {
    const runner = new ScriptedRunner().on(["fake"], Reply.ok());
    const session = new Supervisor(fake).withRunner(runner).start();
    const outcome = await session.done;
    expect(outcome.stopped).toBe(StopReason.PolicySatisfied);
    expect(await session.stop()).toBe(outcome);
    expect(await session.stop()).toBe(outcome);
  });

  it("stop() while the runner is still starting the incarnation shuts it down once it exists", async () => {
    const inner = new ScriptedRunner().on(["fake"], Reply.pending());
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    class SlowStart extends BaseRunner {
      output(c: Command) {
        return inner.output(c);
      }
      outputBytes(c: Command) {
        return inner.outputBytes(c);
      }
      async start(c: Command): Promise<RunningProcess> {
        await gate;
        return inner.start(c);
      }
    }
    const session = new Supervisor(fake).withRunner(new SlowStart()).start();
    await Promise.resolve();
    const stopping = session.stop({ grace: "1s" });
    expect(session.status().state).toBe("stopping");
    release();
    const outcome = await stopping;
    expect(outcome.stopped).toBe("stopped");
    expect(outcome.finalResult?.signal).toBe("SIGTERM");
  });

  it("a stopped session whose every start failed has no final result", async () => {
    vi.useFakeTimers();
    const runner = new ScriptedRunner().on(["fake"], Reply.spawnError());
    const session = new Supervisor(fake).withRunner(runner).backoff("1s").start();
    await until(session.events(), (e) => e.type === "restart-scheduled");
    const outcome = await session.stop();
    expect(outcome.stopped).toBe("stopped");
    expect(outcome.finalResult).toBeUndefined();
  });

  it("cancel ends the session: done rejects with CancelledError", async () => {
    const controller = new AbortController();
    const runner = new ScriptedRunner().on(["fake"], Reply.pending());
    const session = new Supervisor(fake).withRunner(runner).start({ cancelSignal: controller.signal });
    await until(session.events(), (e) => e.type === "incarnation-started");
    controller.abort(new Error("bye"));
    await expect(session.done).rejects.toBeInstanceOf(CancelledError);
    const events = await all(session.events());
    expect(events.at(-1)).toMatchObject({ type: "errored", reason: "cancelled" });
  });

  it("a bad grace is an InvalidInputError at the call", async () => {
    const runner = new ScriptedRunner().on(["fake"], Reply.pending());
    const session = new Supervisor(fake).withRunner(runner).start();
    expect(() => session.stop({ grace: "soon" })).toThrow(InvalidInputError);
    await session.stop({ grace: 0 });
  });
});
