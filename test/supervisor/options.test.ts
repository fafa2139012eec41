/** Supervisor configuration: defaults, serializable options, immutability, validation. */
import { describe, expect, it } from "vitest";
import { Command, InvalidInputError, RestartPolicy, StopReason, Supervisor } from "../../src/index.js";
import { StormGuard } from "../../src/supervisor/storm-guard.js";
import { Reply, ScriptedRunner } from "../../src/testing/index.js";

const fake = new Command("fake");

describe("configuration", () => {
  it("defaults are the seed's: on-crash, unlimited, 200 ms × 2, cap 30 s, jitter on; storm guard off", () => {
    expect(new Supervisor(fake).config).toEqual({
      restart: "on-crash",
      maxRestarts: null,
      backoffMs: 200,
      factor: 2,
      maxBackoffMs: 30_000,
      jitter: true,
      stormPauseMs: null,
      failureThreshold: 5,
      failureDecayMs: 30_000,
    });
  });

  it("serializable options (durations as strings) give the same config as the builder", () => {
    const fromOptions = new Supervisor(fake, {
      restart: "always",
      maxRestarts: 3,
      backoff: "250ms",
      factor: 1.5,
      maxBackoff: "2s",
      jitter: false,
      stormPause: "1m",
      failureThreshold: 4,
      failureDecay: "10s",
    });
    const fromBuilder = new Supervisor(fake)
      .restart(RestartPolicy.Always)
      .maxRestarts(3)
      .backoff(250, 1.5)
      .maxBackoff(2_000)
      .jitter(false)
      .stormPause(60_000)
      .failureThreshold(4)
      .failureDecay(10_000);
    expect(fromOptions.config).toEqual(fromBuilder.config);
    expect(JSON.parse(JSON.stringify(fromOptions.config))).toEqual(fromOptions.config);
    expect(fromOptions.toJSON()).toMatchObject({ command: { program: "fake" }, stormPauseMs: 60_000 });
  });

  it("is immutable: every builder call returns a new Supervisor", () => {
    const base = new Supervisor(fake);
    const changed = base.restart("never").maxRestarts(1);
    expect(base.config.restart).toBe("on-crash");
    expect(base.config.maxRestarts).toBeNull();
    expect(changed.config.restart).toBe("never");
    expect(changed).not.toBe(base);
    expect(changed.command).toBe(fake);
  });

  it("maxRestarts(Infinity) restores unlimited; backoff(base) keeps the factor", () => {
    expect(
      new Supervisor(fake).maxRestarts(2).maxRestarts(Number.POSITIVE_INFINITY).config.maxRestarts,
    ).toBeNull();
    expect(new Supervisor(fake).backoff("1s", 3).backoff("2s").config).toMatchObject({
      backoffMs: 2_000,
      factor: 3,
    });
  });

  it("the exported constants are the string literals", () => {
    expect(RestartPolicy).toEqual({ Always: "always", OnCrash: "on-crash", Never: "never" });
    expect(StopReason).toEqual({
      Predicate: "predicate",
      PolicySatisfied: "policy-satisfied",
      RestartsExhausted: "restarts-exhausted",
      GaveUp: "gave-up",
      Unhealthy: "unhealthy",
      Stopped: "stopped",
    });
    expect(Object.isFrozen(RestartPolicy)).toBe(true);
  });

  it("bad input is an InvalidInputError naming the argument, at the call", () => {
    const s = new Supervisor(fake);
    const cases: [() => unknown, string][] = [
      [() => s.restart("sometimes" as RestartPolicy), "restart"],
      [() => s.maxRestarts(-1), "maxRestarts"],
      [() => s.maxRestarts(1.5), "maxRestarts"],
      [() => s.backoff("5 parsecs"), "backoff"],
      [() => s.backoff(-1), "backoff"],
      [() => s.backoff(100, "2" as unknown as number), "factor"],
      [() => s.maxBackoff(Number.NaN), "maxBackoff"],
      [() => s.jitter("yes" as unknown as boolean), "jitter"],
      [() => s.stormPause("forever"), "stormPause"],
      [() => s.failureThreshold(0), "failureThreshold"],
      [() => s.failureThreshold(Number.POSITIVE_INFINITY), "failureThreshold"],
      [() => s.failureDecay(0), "failureDecay"],
      [() => s.stopWhen("x" as never), "stopWhen"],
      [() => s.giveUpWhen(undefined as never), "giveUpWhen"],
      [() => s.withRunner({} as never), "withRunner"],
      [() => s.healthCheck("x" as never, "1s"), "healthCheck"],
      [() => s.healthCheck(() => true, 0), "healthCheck.interval"],
      [() => s.healthCheck(() => true, { interval: "1s", failures: 0 }), "healthCheck.failures"],
      [() => s.healthCheck(() => true, { interval: "1s", timeout: "never" }), "healthCheck.timeout"],
      [() => new Supervisor(fake, { restrat: "always" } as never), "restrat"],
      [() => new Supervisor("fake" as never), "command"],
      [() => s.run({ cancelSignal: "stop" as never }), "cancelSignal"],
    ];
    for (const [call, argument] of cases) {
      let caught: unknown;
      try {
        call();
      } catch (error) {
        caught = error;
      }
      expect(caught, argument).toBeInstanceOf(InvalidInputError);
      expect((caught as InvalidInputError).argument).toBe(argument);
      expect((caught as Error).message).not.toContain("\n");
    }
  });

  it("a nonsense factor is accepted and behaves as 1 (the seed's rule)", async () => {
    for (const factor of [0, -3, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(new Supervisor(fake).backoff(0, factor).config.factor).toBe(factor);
    }
    const outcome = await new Supervisor(fake)
      .withRunner(new ScriptedRunner().onSequence(["fake"], [Reply.fail(1), Reply.ok()]))
      .backoff(0, Number.NaN)
      .run();
    expect(outcome.restarts).toBe(1);
  });
});

describe("StormGuard", () => {
  it("adds 1 per failure to a score that halves every decay period; trips past the threshold and starts over", () => {
    const guard = new StormGuard(3, 1_000);
    expect(guard.recordFailure(0)).toEqual({ tripped: false, score: 1 });
    expect(guard.recordFailure(1_000)).toEqual({ tripped: false, score: 1.5 });
    expect(guard.recordFailure(2_000)).toEqual({ tripped: false, score: 1.75 });
    expect(guard.recordFailure(2_000)).toEqual({ tripped: false, score: 2.75 });
    expect(guard.recordFailure(2_500)).toEqual({ tripped: false, score: 2.75 * 0.5 ** 0.5 + 1 });
    expect(guard.recordFailure(2_500)).toEqual({ tripped: true, score: 2.75 * 0.5 ** 0.5 + 2 });
    expect(guard.currentScore).toBe(0);
    expect(guard.recordFailure(2_000)).toEqual({ tripped: false, score: 1 });
  });
});
