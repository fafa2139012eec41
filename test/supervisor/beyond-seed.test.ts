/** Supervisor features beyond the seed, driven by ScriptedRunner on fake timers. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SPEC } from "../../src/command/spec.js";
import {
  CancelledError,
  Command,
  type GiveUpAttempt,
  type RestartDiagnostic,
  RestartPolicy,
  SpawnError,
  StopReason,
  type StormDiagnostic,
  Supervisor,
} from "../../src/index.js";
import { backoffDelay } from "../../src/supervisor/backoff.js";
import { RecordingRunner, Reply, ScriptedRunner, ScriptMissError } from "../../src/testing/index.js";
import { collect, timed, timedError } from "./timing.js";

const fake = new Command("fake");

function supervise(runner: ScriptedRunner | RecordingRunner): Supervisor {
  return new Supervisor(fake).withRunner(runner).backoff(0, 1).jitter(false);
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("exponent reset", () => {
  it("the backoff exponent resets after a run that stayed up at least maxBackoff", async () => {
    const runner = new ScriptedRunner().onSequence(
      ["fake"],
      [Reply.fail(1), Reply.fail(1).after("300ms"), Reply.fail(1), Reply.ok()],
    );
    const { value, payloads } = await collect<RestartDiagnostic, { value: unknown; elapsed: number }>(
      "processkit:restart",
      () =>
        timed(() =>
          new Supervisor(fake).withRunner(runner).backoff("100ms", 2).maxBackoff("300ms").jitter(false).run(),
        ),
    );
    // 100 (exp 0) + 300 up + 100 (reset: exp 0 again) + 200 (exp 1)
    expect(payloads.map((p) => [p.delayMs, p.exponent])).toEqual([
      [100, 0],
      [100, 0],
      [200, 1],
    ]);
    expect(value.elapsed).toBe(700);
  });

  it("control: a run that stayed up just under maxBackoff does not reset it", async () => {
    const runner = new ScriptedRunner().onSequence(
      ["fake"],
      [Reply.fail(1), Reply.fail(1).after("299ms"), Reply.fail(1), Reply.ok()],
    );
    const { value, payloads } = await collect<RestartDiagnostic, { value: unknown; elapsed: number }>(
      "processkit:restart",
      () =>
        timed(() =>
          new Supervisor(fake).withRunner(runner).backoff("100ms", 2).maxBackoff("300ms").jitter(false).run(),
        ),
    );
    expect(payloads.map((p) => p.delayMs)).toEqual([100, 200, 300]);
    expect(value.elapsed).toBe(100 + 299 + 200 + 300);
  });
});

describe("backoff edges", () => {
  it("base 0 never sleeps, even when factor^n overflows", () => {
    expect(backoffDelay(0, 2, 1_000, 30_000)).toBe(0);
    expect(backoffDelay(0, Number.MAX_VALUE, 5, 30_000)).toBe(0);
    expect(backoffDelay(100, 2, 1_000, 30_000)).toBe(30_000);
    expect(backoffDelay(100, Number.MAX_VALUE, 2, 30_000)).toBe(30_000);
  });

  it("the jittered delay after the cap stays within [0.5, 1.5) of the cap", async () => {
    const runner = new ScriptedRunner().onSequence(["fake"], [Reply.fail(1), Reply.ok()]);
    const { elapsed } = await timed(() =>
      new Supervisor(fake).withRunner(runner).backoff("1h", 10).maxBackoff("2s").run(),
    );
    expect(elapsed).toBeGreaterThanOrEqual(1_000);
    expect(elapsed).toBeLessThan(3_000);
  });
});

describe("storm guard", () => {
  it("a storm trips: one pause replaces the backoff and is counted in stormPauses", async () => {
    const runner = new ScriptedRunner().onSequence(
      ["fake"],
      [Reply.fail(1), Reply.fail(1), Reply.fail(1), Reply.fail(1), Reply.fail(1), Reply.ok()],
    );
    const { value, payloads } = await collect<
      StormDiagnostic,
      { value: { restarts: number; stormPauses: number }; elapsed: number }
    >("processkit:storm", () =>
      timed(() => supervise(runner).stormPause("5s").failureThreshold(3).failureDecay("30s").run()),
    );
    expect(value.value.restarts).toBe(5);
    expect(value.value.stormPauses).toBe(1);
    // Instant failures score 1, 2, 3, 4: the fourth goes past the threshold of 3 and its
    // restart waits the pause; the score starts over, so the fifth restarts at once.
    expect(value.elapsed).toBe(5_000);
    expect(payloads).toEqual([{ program: "fake", pauseMs: 5_000, score: 4, stormPauses: 1 }]);
  });

  it("the failure score halves every failureDecay: spaced-out failures never trip it", async () => {
    const script = () =>
      new ScriptedRunner().onSequence(
        ["fake"],
        [Reply.fail(1), Reply.fail(1), Reply.fail(1), Reply.fail(1), Reply.fail(1), Reply.ok()],
      );
    const base = (runner: ScriptedRunner) =>
      new Supervisor(fake)
        .withRunner(runner)
        .backoff("1s", 1)
        .jitter(false)
        .stormPause("5s")
        .failureThreshold(2);
    const fast = await timed(() => base(script()).failureDecay("100ms").run());
    expect(fast.value.stormPauses).toBe(0);
    expect(fast.elapsed).toBe(5_000);
    // Same failures, slow decay: scores 1, 1.98, 2.93 → past 2 on the third.
    const slow = await timed(() => base(script()).failureDecay("30s").run());
    expect(slow.value.stormPauses).toBe(1);
    expect(slow.elapsed).toBe(1_000 + 1_000 + 5_000 + 1_000 + 1_000);
  });

  it("only failures feed the score: clean restarts under always never storm", async () => {
    let runs = 0;
    const runner = new ScriptedRunner().on(["fake"], Reply.ok());
    const { value, elapsed } = await timed(() =>
      supervise(runner)
        .restart("always")
        .stormPause("5s")
        .failureThreshold(2)
        .stopWhen(() => ++runs === 6)
        .run(),
    );
    expect(value.restarts).toBe(5);
    expect(value.stormPauses).toBe(0);
    expect(elapsed).toBe(0);
  });

  it("the storm pause is jittered when jitter is on", async () => {
    const runner = new ScriptedRunner().onSequence(["fake"], [Reply.fail(1), Reply.ok()]);
    const { value, elapsed } = await timed(() =>
      new Supervisor(fake).withRunner(runner).backoff(0).stormPause("10s").failureThreshold(0.5).run(),
    );
    expect(value.stormPauses).toBe(1);
    expect(elapsed).toBeGreaterThanOrEqual(5_000);
    expect(elapsed).toBeLessThan(15_000);
  });

  it("the restart budget is checked before the storm guard", async () => {
    // Threshold 0.5: every failure that leads to a restart trips the guard. The third failure
    // meets a spent budget first, so it neither pauses nor counts.
    const runner = new ScriptedRunner().on(["fake"], Reply.fail(1));
    const { value, elapsed } = await timed(() =>
      supervise(runner).maxRestarts(2).stormPause("5s").failureThreshold(0.5).run(),
    );
    expect(value.stopped).toBe(StopReason.RestartsExhausted);
    expect(value.stormPauses).toBe(2);
    expect(elapsed).toBe(10_000);
  });
});

describe("giveUpWhen", () => {
  it("a matching crash ends the supervision with stopped: gave-up and that result", async () => {
    const runner = new ScriptedRunner().onSequence(["fake"], [Reply.fail(1), Reply.fail(2), Reply.fail(3)]);
    const asked: GiveUpAttempt[] = [];
    const outcome = await supervise(runner)
      .giveUpWhen((attempt) => {
        asked.push(attempt);
        return attempt.kind === "crashed" && attempt.result.exitCode === 2;
      })
      .run();
    expect(outcome.stopped).toBe(StopReason.GaveUp);
    expect(outcome.restarts).toBe(1);
    expect(outcome.finalResult.exitCode).toBe(2);
    expect(asked.map((a) => [a.kind, a.incarnation, a.restarts])).toEqual([
      ["crashed", 1, 0],
      ["crashed", 2, 1],
    ]);
  });

  it("a matching failed start throws that error, even with an unlimited budget", async () => {
    const runner = new RecordingRunner(new ScriptedRunner().on(["fake"], Reply.spawnError("ENOENT")));
    const error = await supervise(runner)
      .giveUpWhen((attempt) => attempt.kind === "failed" && attempt.error instanceof SpawnError)
      .run()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpawnError);
    expect(runner.calls).toHaveLength(1);
  });

  it("is asked after the policy and before the budget", async () => {
    const asked: string[] = [];
    const giveUp = (attempt: GiveUpAttempt) => {
      asked.push(attempt.kind);
      return true;
    };
    // Before the budget: maxRestarts(0) would say restarts-exhausted, giveUpWhen wins.
    const first = await supervise(new ScriptedRunner().on(["fake"], Reply.fail(1)))
      .maxRestarts(0)
      .giveUpWhen(giveUp)
      .run();
    expect(first.stopped).toBe(StopReason.GaveUp);
    // After the policy: a clean run under on-crash is policy-satisfied, giveUpWhen is not asked.
    const second = await supervise(new ScriptedRunner().on(["fake"], Reply.ok()))
      .giveUpWhen(giveUp)
      .run();
    expect(second.stopped).toBe(StopReason.PolicySatisfied);
    // After the predicate: stopWhen wins.
    const third = await supervise(new ScriptedRunner().on(["fake"], Reply.fail(1)))
      .stopWhen(() => true)
      .giveUpWhen(giveUp)
      .run();
    expect(third.stopped).toBe(StopReason.Predicate);
    expect(asked).toEqual(["crashed"]);
  });

  it("is not asked about clean runs under always", async () => {
    let runs = 0;
    const asked: GiveUpAttempt[] = [];
    const outcome = await supervise(new ScriptedRunner().on(["fake"], Reply.ok()))
      .restart(RestartPolicy.Always)
      .stopWhen(() => ++runs === 3)
      .giveUpWhen((a) => {
        asked.push(a);
        return true;
      })
      .run();
    expect(outcome.restarts).toBe(2);
    expect(asked).toHaveLength(0);
  });
});

describe("health checks", () => {
  it("N consecutive misses kill the incarnation; it counts as a crash and is restarted", async () => {
    const runner = new ScriptedRunner().onSequence(["fake"], [Reply.pending(), Reply.ok()]);
    let probes = 0;
    const { value, elapsed } = await timed(() =>
      supervise(runner)
        .healthCheck(
          () => {
            probes++;
            return false;
          },
          { interval: "1s", failures: 3 },
        )
        .run(),
    );
    expect(elapsed).toBe(3_000);
    expect(probes).toBe(3);
    expect(value.livenessKills).toBe(1);
    expect(value.restarts).toBe(1);
    expect(value.stopped).toBe(StopReason.PolicySatisfied);
    expect(value.finalResult.isSuccess).toBe(true);
  });

  it("a healthy answer resets the count of misses", async () => {
    const answers = [false, false, true, false, false, false];
    const runner = new ScriptedRunner().onSequence(["fake"], [Reply.pending(), Reply.ok()]);
    const { value, elapsed } = await timed(() =>
      supervise(runner)
        .healthCheck(async () => answers.shift() ?? true, { interval: "1s", failures: 3 })
        .run(),
    );
    expect(elapsed).toBe(6_000);
    expect(value.livenessKills).toBe(1);
  });

  it("a probe that throws or does not answer within its timeout is a miss (and its signal is aborted)", async () => {
    const runner = new ScriptedRunner().onSequence(["fake"], [Reply.pending(), Reply.ok()]);
    const aborted: boolean[] = [];
    let calls = 0;
    const { value, elapsed } = await timed(() =>
      supervise(runner)
        .healthCheck(
          ({ signal }) => {
            calls++;
            if (calls === 1) throw new Error("probe crashed");
            return new Promise<boolean>((resolve) =>
              signal.addEventListener("abort", () => {
                aborted.push(true);
                resolve(true); // too late: the timeout already counted a miss
              }),
            );
          },
          { interval: "1s", failures: 2, timeout: "500ms" },
        )
        .run(),
    );
    // Probe 1 at 1s throws (miss 1); probe 2 at 2s hangs, times out at 2.5s (miss 2) → kill.
    expect(elapsed).toBe(2_500);
    expect(aborted).toEqual([true]);
    expect(value.livenessKills).toBe(1);
  });

  it("a Command probe runs with the supervisor's runner and is healthy when it succeeds", async () => {
    const runner = new RecordingRunner(
      new ScriptedRunner().onSequence(["fake"], [Reply.pending(), Reply.ok()]).on(["curl"], Reply.fail(7)),
    );
    const { value, elapsed } = await timed(() =>
      supervise(runner)
        .healthCheck(new Command("curl", ["-f", "http://localhost/health"]), "2s")
        .run(),
    );
    expect(elapsed).toBe(6_000);
    expect(value.livenessKills).toBe(1);
    const probes = runner.calls.filter((c) => c.program === "curl");
    expect(probes).toHaveLength(3);
    // The probe is bounded by the interval when it has no timeout of its own.
    expect(probes.every((c) => c.verb === "output" && c.command[SPEC].timeoutMs === 2_000)).toBe(true);
  });

  it("a health-check kill skips stopWhen (it is our decision, not the child's)", async () => {
    const runner = new ScriptedRunner().onSequence(["fake"], [Reply.pending(), Reply.ok()]);
    const seen: (number | null)[] = [];
    const { value } = await timed(() =>
      supervise(runner)
        .healthCheck(() => false, { interval: "1s", failures: 1 })
        .stopWhen((r) => {
          seen.push(r.exitCode);
          return true;
        })
        .run(),
    );
    expect(seen).toEqual([0]);
    expect(value.stopped).toBe(StopReason.Predicate);
    expect(value.restarts).toBe(1);
  });

  it("under never, a health-check kill ends the supervision as unhealthy", async () => {
    const runner = new ScriptedRunner().on(["fake"], Reply.pending());
    const { value, elapsed } = await timed(() =>
      supervise(runner)
        .restart("never")
        .healthCheck(() => false, { interval: "1s", failures: 2 })
        .run(),
    );
    expect(elapsed).toBe(2_000);
    expect(value.stopped).toBe(StopReason.Unhealthy);
    expect(value.finalResult.signal).toBe("SIGKILL");
    expect(value.livenessKills).toBe(1);
  });
});

describe("cancellation", () => {
  it("cancel during a backoff sleep rejects at once with the abort reason", async () => {
    const controller = new AbortController();
    const reason = new Error("shutting down");
    setTimeout(() => controller.abort(reason), 1_000);
    const runner = new ScriptedRunner().on(["fake"], Reply.fail(1));
    const { error, elapsed } = await timedError(() =>
      new Supervisor(fake)
        .withRunner(runner)
        .backoff("10s")
        .jitter(false)
        .run({ cancelSignal: controller.signal }),
    );
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as CancelledError).cause).toBe(reason);
    expect(elapsed).toBe(1_000);
  });

  it("cancel during an incarnation kills it and rejects at once; no restart", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    const runner = new RecordingRunner(new ScriptedRunner().on(["fake"], Reply.pending()));
    const { error, elapsed } = await timedError(() =>
      supervise(runner).restart("always").run({ cancelSignal: controller.signal }),
    );
    expect(error).toBeInstanceOf(CancelledError);
    expect(elapsed).toBe(500);
    expect(runner.calls).toHaveLength(1);
  });

  it("the command's own cancel signal is terminal too", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const runner = new ScriptedRunner().on(["fake"], Reply.fail(1));
    const { error, elapsed } = await timedError(() =>
      new Supervisor(fake.cancelOn(controller.signal))
        .withRunner(runner)
        .backoff("1s", 1)
        .jitter(false)
        .run(),
    );
    expect(error).toBeInstanceOf(CancelledError);
    expect(elapsed).toBe(300);
  });

  it("an already-aborted signal runs nothing", async () => {
    const controller = new AbortController();
    controller.abort();
    const runner = new RecordingRunner(new ScriptedRunner().fallback(Reply.ok()));
    await expect(supervise(runner).run({ cancelSignal: controller.signal })).rejects.toBeInstanceOf(
      CancelledError,
    );
    expect(runner.calls).toHaveLength(0);
  });
});

describe("what counts as a crash, what is terminal", () => {
  it("an exit code in the command's okCodes is not a crash", async () => {
    const runner = new ScriptedRunner().on(["fake"], Reply.fail(3));
    const outcome = await new Supervisor(fake.okCodes([0, 3])).withRunner(runner).run();
    expect(outcome.stopped).toBe(StopReason.PolicySatisfied);
    expect(outcome.restarts).toBe(0);
  });

  it("a signalled run is a crash", async () => {
    const runner = new ScriptedRunner().onSequence(["fake"], [Reply.signalled("SIGSEGV"), Reply.ok()]);
    const outcome = await supervise(runner).run();
    expect(outcome.restarts).toBe(1);
  });

  it("a test double with no answer is terminal, not restarted forever", async () => {
    const runner = new RecordingRunner(new ScriptedRunner());
    await expect(supervise(runner).run()).rejects.toBeInstanceOf(ScriptMissError);
    expect(runner.calls).toHaveLength(1);
  });

  it("a throwing stopWhen ends the supervision with its error", async () => {
    const bug = new Error("predicate bug");
    const runner = new ScriptedRunner().on(["fake"], Reply.ok());
    await expect(
      supervise(runner)
        .stopWhen(() => {
          throw bug;
        })
        .run(),
    ).rejects.toBe(bug);
  });

  it("each incarnation keeps only the last 1000 lines unless the command sets its own limit", async () => {
    const lines = Array.from({ length: 1500 }, (_, i) => `l${i}`);
    const runner = new ScriptedRunner().on(["fake"], Reply.lines(lines));
    const bounded = await supervise(runner).run();
    expect(bounded.finalResult.truncated).toBe(true);
    expect(bounded.finalResult.stdout.split("\n")[0]).toBe("l500");
    const own = await new Supervisor(fake.outputLimit({ maxLines: 2000, onOverflow: "drop-oldest" }))
      .withRunner(runner)
      .run();
    expect(own.finalResult.truncated).toBe(false);
    expect(own.finalResult.stdout.split("\n")[0]).toBe("l0");
  });
});

describe("diagnostics channels", () => {
  it("restart and storm payloads carry the program and numbers, never argv", async () => {
    const secret = new Command("fake", ["--token", "s3cr3t"]);
    const runner = new ScriptedRunner().onSequence(["fake"], [Reply.fail(1), Reply.spawnError(), Reply.ok()]);
    const restarts = await collect<RestartDiagnostic, unknown>("processkit:restart", async () => {
      const storms = await collect<StormDiagnostic, unknown>("processkit:storm", () =>
        timed(() =>
          new Supervisor(secret).withRunner(runner).backoff(0).stormPause("1s").failureThreshold(1.5).run(),
        ),
      );
      expect(storms.payloads).toHaveLength(1);
      expect(JSON.stringify(storms.payloads)).not.toContain("s3cr3t");
    });
    expect(restarts.payloads.map((p) => [p.program, p.restart, p.cause, p.storm])).toEqual([
      ["fake", 1, "crashed", false],
      ["fake", 2, "failed-to-start", true],
    ]);
    expect(JSON.stringify(restarts.payloads)).not.toContain("s3cr3t");
  });
});
