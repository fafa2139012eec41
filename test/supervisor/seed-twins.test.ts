/**
 * Twins of every test in the seed's test module (000_e6148acb26858eb8.txt), same names,
 * same numbers. The timing twins run on fake timers and assert exact virtual time.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  CancelledError,
  Command,
  RestartPolicy,
  SpawnError,
  StopReason,
  Supervisor,
} from "../../src/index.js";
import { applyJitter, backoffDelay, jitterFactor } from "../../src/supervisor/backoff.js";
import { fail, ok, SeqRunner, spawnErr, timeout } from "./seq-runner.js";

function supervise(runner: SeqRunner): Supervisor {
  return new Supervisor(new Command("fake")).withRunner(runner).backoff(0, 1.0).jitter(false);
}

/** Runs `work` on fake timers to completion; returns its value and the virtual time it took. */
async function timed<T>(work: () => Promise<T>): Promise<{ value: T; elapsed: number }> {
  const start = Date.now();
  const promise = work();
  await vi.runAllTimersAsync();
  const value = await promise;
  return { value, elapsed: Date.now() - start };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("seed twins", () => {
  it("on_crash_restarts_until_success", async () => {
    const outcome = await supervise(new SeqRunner([fail(1), fail(1), ok()])).run();
    expect(outcome.restarts).toBe(2);
    expect(outcome.stopped).toBe(StopReason.PolicySatisfied);
    expect(outcome.finalResult.isSuccess).toBe(true);
  });

  it("zero_max_restarts_means_a_single_run", async () => {
    const outcome = await supervise(new SeqRunner([fail(1), ok()]))
      .maxRestarts(0)
      .run();
    expect(outcome.restarts).toBe(0);
    expect(outcome.stopped).toBe(StopReason.RestartsExhausted);
    expect(outcome.finalResult.exitCode).toBe(1);
  });

  it("on_crash_accepts_a_clean_first_run", async () => {
    const outcome = await supervise(new SeqRunner([ok()])).run();
    expect(outcome.restarts).toBe(0);
    expect(outcome.stopped).toBe(StopReason.PolicySatisfied);
  });

  it("predicate_beats_policy", async () => {
    const outcome = await supervise(new SeqRunner([ok()]))
      .restart(RestartPolicy.Always)
      .stopWhen((res) => res.exitCode === 0)
      .run();
    expect(outcome.restarts).toBe(0);
    expect(outcome.stopped).toBe(StopReason.Predicate);
  });

  it("always_restarts_clean_runs_until_predicate", async () => {
    let seen = 0;
    const outcome = await supervise(new SeqRunner([ok(), ok(), ok()]))
      .restart(RestartPolicy.Always)
      .stopWhen(() => seen++ === 2)
      .run();
    expect(outcome.restarts, "third run matched the predicate").toBe(2);
    expect(outcome.stopped).toBe(StopReason.Predicate);
  });

  it("never_reports_a_failing_run_without_restarting", async () => {
    const outcome = await supervise(new SeqRunner([fail(3)]))
      .restart(RestartPolicy.Never)
      .run();
    expect(outcome.restarts).toBe(0);
    expect(outcome.stopped).toBe(StopReason.PolicySatisfied);
    expect(outcome.finalResult.exitCode).toBe(3);
  });

  it("exhausting_the_budget_reports_the_last_failure", async () => {
    const runner = new SeqRunner([fail(7), fail(7), fail(7)]);
    const outcome = await supervise(runner).maxRestarts(2).run();
    expect(outcome.restarts, "two restarts = three runs").toBe(2);
    expect(outcome.stopped).toBe(StopReason.RestartsExhausted);
    expect(outcome.finalResult.exitCode).toBe(7);
    expect(runner.calls).toBe(3);
  });

  it("a_timeout_counts_as_a_crash", async () => {
    const outcome = await supervise(new SeqRunner([timeout(), ok()])).run();
    expect(outcome.restarts).toBe(1);
    expect(outcome.finalResult.isSuccess).toBe(true);
  });

  it("terminal_spawn_error_surfaces_as_err", async () => {
    const error = await supervise(new SeqRunner([spawnErr(), spawnErr()]))
      .maxRestarts(1)
      .run()
      .catch((e: unknown) => e);
    expect(error, "the budget-exhausting attempt errored").toBeInstanceOf(SpawnError);
  });

  it("spawn_error_is_retried_like_a_crash", async () => {
    const outcome = await supervise(new SeqRunner([spawnErr(), ok()])).run();
    expect(outcome.restarts).toBe(1);
    expect(outcome.stopped).toBe(StopReason.PolicySatisfied);
  });

  it("cancelled_incarnation_is_terminal_under_always", async () => {
    const runner = new SeqRunner([new CancelledError("fake", undefined), ok()]);
    const error = await supervise(runner)
      .restart(RestartPolicy.Always)
      .maxRestarts(5)
      .run()
      .catch((e: unknown) => e);
    expect(error, "a cancelled incarnation is terminal").toBeInstanceOf(CancelledError);
    expect(runner.calls).toBe(1);
  });

  it("never_returns_a_spawn_error_directly", async () => {
    const error = await supervise(new SeqRunner([spawnErr()]))
      .restart(RestartPolicy.Never)
      .run()
      .catch((e: unknown) => e);
    expect(error, "Never does not retry a spawn failure").toBeInstanceOf(SpawnError);
  });

  it("backoff_doubles_per_restart_without_jitter", async () => {
    vi.useFakeTimers();
    const { value: outcome, elapsed } = await timed(() =>
      new Supervisor(new Command("fake"))
        .withRunner(new SeqRunner([fail(1), fail(1), ok()]))
        .backoff("200ms", 2.0)
        .jitter(false)
        .run(),
    );
    expect(outcome.restarts).toBe(2);
    expect(elapsed).toBe(600);
  });

  it("max_backoff_caps_the_delay", async () => {
    vi.useFakeTimers();
    const { value: outcome, elapsed } = await timed(() =>
      new Supervisor(new Command("fake"))
        .withRunner(new SeqRunner([fail(1), fail(1), ok()]))
        .backoff(200, 2.0)
        .maxBackoff("300ms")
        .jitter(false)
        .run(),
    );
    expect(outcome.restarts).toBe(2);
    expect(elapsed).toBe(500);
  });

  it("jitter_stays_within_its_band", async () => {
    vi.useFakeTimers();
    const { value: outcome, elapsed } = await timed(() =>
      new Supervisor(new Command("fake"))
        .withRunner(new SeqRunner([fail(1), ok()]))
        .backoff("1000ms", 1.0)
        .run(),
    );
    expect(outcome.restarts).toBe(1);
    expect(elapsed, `jittered delay out of [0.5, 1.5) band: ${elapsed}`).toBeGreaterThanOrEqual(500);
    expect(elapsed).toBeLessThan(1500);
  });

  it("nonsense_backoff_factor_decays_to_constant_delay", async () => {
    vi.useFakeTimers();
    const { value: outcome, elapsed } = await timed(() =>
      new Supervisor(new Command("fake"))
        .withRunner(new SeqRunner([fail(1), fail(1), ok()]))
        .backoff(100, 0.0)
        .jitter(false)
        .run(),
    );
    expect(outcome.restarts).toBe(2);
    expect(elapsed).toBe(200);
  });

  it("jitter_factor_is_in_band", () => {
    for (let i = 0; i < 256; i++) {
      const f = jitterFactor();
      expect(f >= 0.5 && f < 1.5, `factor out of band: ${f}`).toBe(true);
    }
    // The band's edges, with the random source pinned.
    expect(jitterFactor(() => 0)).toBe(0.5);
    expect(jitterFactor(() => 1 - Number.EPSILON)).toBeLessThan(1.5);
    expect(applyJitter(1000, true, () => 0)).toBe(500);
    expect(applyJitter(1000, true, () => 1 - Number.EPSILON)).toBe(1499);
    expect(applyJitter(1000, false, () => 0)).toBe(1000);
  });

  it("backoff_delay_math", () => {
    const base = 100;
    const cap = 30_000;
    expect(backoffDelay(base, 2.0, 0, cap)).toBe(base);
    expect(backoffDelay(base, 2.0, 1, cap)).toBe(200);
    expect(backoffDelay(base, 2.0, 3, cap)).toBe(800);
    expect(backoffDelay(base, 2.0, 1_000, cap)).toBe(cap);
    expect(backoffDelay(0, 2.0, 5, cap)).toBe(0);
  });
});
