/**
 * The supervision loop shared by `Supervisor.run()` and `Supervisor.start()` (a session).
 *
 * After each incarnation the seed's gates run in the seed's order — the `stopWhen`
 * predicate, the restart policy, then the restart budget, then the backoff — with the
 * beyond-the-seed gates slotted in where the reference put them: `giveUpWhen` after the
 * policy, the storm guard after the budget. A cancellation is terminal and thrown at once,
 * also while sleeping; a session's `stop()` ends a backoff sleep at once.
 */
import type { Command } from "../command/command.js";
import { SPEC } from "../command/spec.js";
import { CancelledError, CassetteMissError, InvalidInputError } from "../errors.js";
import { channels, publish } from "../events.js";
import type { RunningProcess } from "../process/running-process.js";
import { after, type Cancellable } from "../process/timer.js";
import type { ProcessResult } from "../result.js";
import type { ProcessRunner } from "../runner/runner.js";
import { applyJitter, backoffDelay, normalizeFactor } from "./backoff.js";
import {
  describeError,
  type RestartDiagnostic,
  type StormDiagnostic,
  type SupervisorEvent,
} from "./events.js";
import { type HealthCheckConfig, HealthMonitor } from "./health-check.js";
import type { SupervisorConfig } from "./options.js";
import { RestartPolicy, StopReason } from "./restart-policy.js";
import { StormGuard } from "./storm-guard.js";

/** How a supervision ended (from `run()`): never "stopped" — only a session can be stopped. */
export interface SupervisionOutcome {
  /** The last incarnation's result. */
  readonly finalResult: ProcessResult<string>;
  /** Restarts performed (runs = restarts + 1). */
  readonly restarts: number;
  readonly stopped: Exclude<StopReason, "stopped">;
  /** Times the storm guard paused instead of restarting at once. */
  readonly stormPauses: number;
  /** Incarnations killed by the health check. */
  readonly livenessKills: number;
}

/** How a session ended after `stop()`. */
export interface StoppedOutcome {
  /** The last incarnation's result; undefined only when no incarnation ever produced one (every start failed). */
  readonly finalResult: ProcessResult<string> | undefined;
  readonly restarts: number;
  readonly stopped: "stopped";
  readonly stormPauses: number;
  readonly livenessKills: number;
}

export type SessionOutcome = SupervisionOutcome | StoppedOutcome;

/** What `giveUpWhen` is asked about: a run that crashed, or an attempt the runner could not start. */
export type GiveUpAttempt =
  | {
      readonly kind: "crashed";
      readonly result: ProcessResult<string>;
      readonly incarnation: number;
      readonly restarts: number;
    }
  | {
      readonly kind: "failed";
      readonly error: unknown;
      readonly incarnation: number;
      readonly restarts: number;
    };

export type SupervisionState = "starting" | "running" | "backoff" | "storm-paused" | "stopping" | "ended";

export interface SupervisionStatus {
  readonly state: SupervisionState;
  /** An incarnation is running right now. */
  readonly active: boolean;
  /** Incarnations started so far (1 for the first run). */
  readonly incarnation: number;
  readonly restarts: number;
  readonly stormPauses: number;
  readonly livenessKills: number;
  /** The running incarnation's pid (undefined between incarnations and for test doubles). */
  readonly pid: number | undefined;
  /** When the running incarnation started (`Date.now()`), undefined between incarnations. */
  readonly startedAt: number | undefined;
}

export interface EngineParts {
  readonly command: Command;
  readonly runner: ProcessRunner;
  readonly config: SupervisorConfig;
  readonly stopWhen: ((result: ProcessResult<string>) => boolean) | undefined;
  readonly giveUpWhen: ((attempt: GiveUpAttempt) => boolean) | undefined;
  readonly healthCheck: HealthCheckConfig | undefined;
}

/** Most lines of stdout/stderr kept per incarnation when the command sets no `outputLimit`. */
export const DEFAULT_CAPTURE_LINES = 1000;

type Attempt =
  | { readonly kind: "result"; readonly result: ProcessResult<string>; readonly healthKilled: boolean }
  | { readonly kind: "error"; readonly error: unknown };

export class Supervision {
  private state: SupervisionState = "starting";
  private incarnation = 0;
  private restarts = 0;
  private stormPauses = 0;
  private livenessKills = 0;
  private pid: number | undefined;
  private startedAt: number | undefined;
  private current: RunningProcess | undefined;
  private stopGraceMs: number | undefined;
  private readonly wake = new AbortController();
  private lastResult: ProcessResult<string> | undefined;
  private readonly program: string;

  constructor(
    private readonly parts: EngineParts,
    private readonly options: {
      /** Run incarnations through `runner.start()` (sessions, health checks) instead of `runner.output()`. */
      readonly useHandle: boolean;
      readonly cancelSignal: AbortSignal | undefined;
      readonly emit: (event: SupervisorEvent) => void;
    },
  ) {
    this.program = parts.command.program;
  }

  status(): SupervisionStatus {
    return Object.freeze({
      state: this.state,
      active: this.current !== undefined,
      incarnation: this.incarnation,
      restarts: this.restarts,
      stormPauses: this.stormPauses,
      livenessKills: this.livenessKills,
      pid: this.pid,
      startedAt: this.startedAt,
    });
  }

  /** Asks the supervision to end: the running incarnation is shut down with `graceMs`, a sleep ends at once. */
  requestStop(graceMs: number): void {
    if (this.state === "ended" || this.stopGraceMs !== undefined) return;
    this.stopGraceMs = graceMs;
    this.state = "stopping";
    const proc = this.current;
    if (proc !== undefined) void proc.shutdown({ grace: graceMs }).catch(() => {});
    this.wake.abort();
  }

  /** Runs to the end; emits the final `stopped` / `errored` event. */
  async execute(): Promise<SessionOutcome> {
    try {
      const outcome = await this.loop();
      this.emit({
        type: "stopped",
        reason: outcome.stopped,
        restarts: outcome.restarts,
        stormPauses: outcome.stormPauses,
        livenessKills: outcome.livenessKills,
      });
      return outcome;
    } catch (error) {
      this.emit({ type: "errored", error, ...describeError(error) });
      throw error;
    } finally {
      this.merged?.dispose();
      this.state = "ended";
      this.current = undefined;
      this.pid = undefined;
      this.startedAt = undefined;
    }
  }

  private emit(event: DistributiveOmit<Exclude<SupervisorEvent, { type: "lagged" }>, "at">): void {
    this.options.emit({ ...event, at: Date.now() } as SupervisorEvent);
  }

  private async loop(): Promise<SessionOutcome> {
    const { config } = this.parts;
    const factor = normalizeFactor(config.factor);
    const storm =
      config.stormPauseMs === null
        ? undefined
        : new StormGuard(config.failureThreshold, config.failureDecayMs);
    let exponent = 0;

    for (;;) {
      this.throwIfCancelled();
      if (this.stopGraceMs !== undefined) return this.stoppedOutcome(this.lastResult);

      this.incarnation++;
      const incarnation = this.incarnation;
      const began = performance.now();
      const attempt = await this.runIncarnation(incarnation);
      const uptimeMs = performance.now() - began;
      this.throwIfCancelled();

      let cause: RestartDiagnostic["cause"];
      if (attempt.kind === "error") {
        const { error } = attempt;
        this.emit({ type: "incarnation-failed", incarnation, error, ...describeError(error) });
        if (error instanceof CancelledError) throw error;
        if (this.stopGraceMs !== undefined) return this.stoppedOutcome(this.lastResult);
        // Restarting cannot fix a programming error or a test double with no answer.
        if (error instanceof InvalidInputError || error instanceof CassetteMissError) throw error;
        if (config.restart === RestartPolicy.Never) throw error;
        if (this.parts.giveUpWhen?.({ kind: "failed", error, incarnation, restarts: this.restarts })) {
          this.emit({ type: "gave-up", incarnation });
          throw error;
        }
        if (config.maxRestarts !== null && this.restarts >= config.maxRestarts) throw error;
        cause = "failed-to-start";
      } else {
        const { result, healthKilled } = attempt;
        this.lastResult = result;
        const crashed = healthKilled || !result.isSuccess;
        this.emit({ type: "incarnation-exited", incarnation, result, uptimeMs, crashed, healthKilled });
        if (this.stopGraceMs !== undefined) return this.stoppedOutcome(result);
        // A health-check kill is our decision, not the child's: the predicate does not see it.
        if (!healthKilled && this.parts.stopWhen?.(result)) return this.outcome(result, StopReason.Predicate);
        const wantsRestart =
          config.restart === RestartPolicy.Always || (config.restart === RestartPolicy.OnCrash && crashed);
        if (!wantsRestart) {
          return this.outcome(result, healthKilled ? StopReason.Unhealthy : StopReason.PolicySatisfied);
        }
        if (
          crashed &&
          this.parts.giveUpWhen?.({ kind: "crashed", result, incarnation, restarts: this.restarts })
        ) {
          this.emit({ type: "gave-up", incarnation });
          return this.outcome(result, StopReason.GaveUp);
        }
        if (config.maxRestarts !== null && this.restarts >= config.maxRestarts) {
          return this.outcome(result, StopReason.RestartsExhausted);
        }
        cause = healthKilled ? "unhealthy" : crashed ? "crashed" : "clean-exit";
      }

      // A run that stayed up at least the cap was healthy for a while: start the backoff over.
      if (uptimeMs >= config.maxBackoffMs) exponent = 0;
      const restart = this.restarts + 1;
      const failed = cause !== "clean-exit";
      const trip = failed && storm !== undefined ? storm.recordFailure(performance.now()) : undefined;
      let delayMs: number;
      if (trip?.tripped) {
        delayMs = applyJitter(config.stormPauseMs as number, config.jitter);
        this.stormPauses++;
        this.state = "storm-paused";
        const stormPauses = this.stormPauses;
        this.emit({ type: "storm-pause", pauseMs: delayMs, score: trip.score, stormPauses });
        publish(
          channels.storm,
          (): StormDiagnostic => ({
            program: this.program,
            pauseMs: delayMs,
            score: trip.score,
            stormPauses,
          }),
        );
      } else {
        delayMs = applyJitter(
          backoffDelay(config.backoffMs, factor, exponent, config.maxBackoffMs),
          config.jitter,
        );
        this.state = "backoff";
      }
      const storming = trip?.tripped === true;
      this.emit({ type: "restart-scheduled", restart, delayMs, exponent, storm: storming });
      publish(
        channels.restart,
        (): RestartDiagnostic => ({
          program: this.program,
          restart,
          delayMs,
          exponent,
          cause,
          storm: storming,
        }),
      );
      exponent++;
      if ((await this.sleep(delayMs)) === "stopped") return this.stoppedOutcome(this.lastResult);
      this.restarts = restart;
    }
  }

  /** One run. Never rejects: the runner's errors come back as data for the gates. */
  private async runIncarnation(incarnation: number): Promise<Attempt> {
    const { runner } = this.parts;
    const command = this.prepare();
    this.state = "starting";
    if (!this.options.useHandle) {
      try {
        return { kind: "result", result: await runner.output(command), healthKilled: false };
      } catch (error) {
        return { kind: "error", error };
      }
    }
    let proc: RunningProcess;
    try {
      proc = await runner.start(command);
    } catch (error) {
      return { kind: "error", error };
    }
    this.current = proc;
    this.pid = proc.pid;
    this.startedAt = Date.now();
    if (this.stopGraceMs === undefined) this.state = "running";
    this.emit({ type: "incarnation-started", incarnation, pid: proc.pid });
    // stop() came while the runner was starting it.
    if (this.stopGraceMs !== undefined) void proc.shutdown({ grace: this.stopGraceMs }).catch(() => {});
    const health =
      this.parts.healthCheck === undefined
        ? undefined
        : new HealthMonitor(
            this.parts.healthCheck,
            runner,
            { pid: proc.pid, incarnation },
            {
              onMiss: (consecutive, killing) =>
                this.emit({
                  type: "health-check-failed",
                  incarnation,
                  consecutive,
                  failures: this.parts.healthCheck?.failures ?? 0,
                  killing,
                }),
              kill: () => {
                this.livenessKills++;
                void proc.kill().catch(() => {});
              },
            },
          );
    try {
      const result = await proc.output();
      return { kind: "result", result, healthKilled: health?.killed ?? false };
    } catch (error) {
      return { kind: "error", error };
    } finally {
      health?.stop();
      this.current = undefined;
      this.pid = undefined;
      this.startedAt = undefined;
    }
  }

  /**
   * The command each incarnation runs: the supervisor's cancel signal added (alongside the
   * command's own, if any), and a bounded capture (the last 1000 lines) unless the command
   * sets its own `outputLimit` — a long-lived service must not grow without bound.
   */
  private prepare(): Command {
    let command = this.parts.command;
    const spec = command[SPEC];
    if (spec.outputLimit === undefined) {
      command = command.outputLimit({ maxLines: DEFAULT_CAPTURE_LINES, onOverflow: "drop-oldest" });
    }
    const cancel = this.options.cancelSignal;
    if (cancel !== undefined && spec.cancelSignal !== cancel) {
      command = command.cancelOn(
        spec.cancelSignal === undefined ? cancel : this.either(spec.cancelSignal, cancel),
      );
    }
    return command;
  }

  private either(a: AbortSignal, b: AbortSignal): AbortSignal {
    // One listener per signal for the whole supervision (not AbortSignal.any per run).
    this.merged ??= mergeSignals(a, b);
    return this.merged.signal;
  }
  private merged: MergedSignal | undefined;

  private throwIfCancelled(): void {
    const signal = this.options.cancelSignal;
    if (signal?.aborted) throw new CancelledError(this.program, signal.reason);
    const own = this.parts.command[SPEC].cancelSignal;
    if (own?.aborted) throw new CancelledError(this.program, own.reason);
  }

  /** Sleeps `ms`; rejects with `CancelledError` on cancel, resolves "stopped" at once on `stop()`. */
  private sleep(ms: number): Promise<"slept" | "stopped"> {
    this.throwIfCancelled();
    if (ms <= 0) return Promise.resolve("slept");
    const signals = [this.options.cancelSignal, this.parts.command[SPEC].cancelSignal].filter(
      (s): s is AbortSignal => s !== undefined,
    );
    return new Promise((resolve, reject) => {
      let timer: Cancellable | undefined;
      const cleanup = () => {
        timer?.cancel();
        for (const s of signals) s.removeEventListener("abort", onCancel);
        this.wake.signal.removeEventListener("abort", onStop);
      };
      const onCancel = () => {
        cleanup();
        try {
          this.throwIfCancelled();
        } catch (error) {
          reject(error);
        }
      };
      const onStop = () => {
        cleanup();
        resolve("stopped");
      };
      for (const s of signals) s.addEventListener("abort", onCancel, { once: true });
      this.wake.signal.addEventListener("abort", onStop, { once: true });
      if (this.wake.signal.aborted) onStop();
      else
        timer = after(ms, () => {
          cleanup();
          resolve("slept");
        });
    });
  }

  private outcome(
    result: ProcessResult<string>,
    stopped: Exclude<StopReason, "stopped">,
  ): SupervisionOutcome {
    return Object.freeze({
      finalResult: result,
      restarts: this.restarts,
      stopped,
      stormPauses: this.stormPauses,
      livenessKills: this.livenessKills,
    });
  }

  private stoppedOutcome(result: ProcessResult<string> | undefined): StoppedOutcome {
    return Object.freeze({
      finalResult: result,
      restarts: this.restarts,
      stopped: StopReason.Stopped,
      stormPauses: this.stormPauses,
      livenessKills: this.livenessKills,
    });
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

interface MergedSignal {
  readonly signal: AbortSignal;
  dispose(): void;
}

/** A signal that aborts when either does (with that one's reason); `dispose` removes the listeners. */
function mergeSignals(a: AbortSignal, b: AbortSignal): MergedSignal {
  const controller = new AbortController();
  const onA = () => controller.abort(a.reason);
  const onB = () => controller.abort(b.reason);
  const dispose = () => {
    a.removeEventListener("abort", onA);
    b.removeEventListener("abort", onB);
  };
  if (a.aborted) onA();
  else if (b.aborted) onB();
  else {
    a.addEventListener("abort", onA, { once: true });
    b.addEventListener("abort", onB, { once: true });
  }
  return { signal: controller.signal, dispose };
}
