/**
 * Health checks: while an incarnation runs, a probe is asked every `interval` (the first
 * time one interval after the start) whether it is healthy. A miss is a probe that returns
 * false, throws, or does not answer within `timeout` (default: the interval). After
 * `failures` consecutive misses (default 3) the incarnation's tree is killed and the run
 * counts as a crash. A healthy answer resets the count.
 */
import { Command } from "../command/command.js";
import type { Duration } from "../command/duration.js";
import { parseDuration } from "../command/duration.js";
import { SPEC } from "../command/spec.js";
import { describe } from "../command/validate.js";
import { InvalidInputError } from "../errors.js";
import { after, type Cancellable } from "../process/timer.js";
import type { ProcessRunner } from "../runner/runner.js";

export interface HealthProbeContext {
  /** The incarnation's pid (undefined for test doubles). */
  readonly pid: number | undefined;
  /** 1 for the first run, 2 for the first restart … */
  readonly incarnation: number;
  /** Aborted when the probe timed out or the incarnation ended: stop any work then. */
  readonly signal: AbortSignal;
}

/** A function answering "healthy?", or a `Command` that is healthy when it succeeds (run with the supervisor's runner). */
export type HealthProbe = Command | ((context: HealthProbeContext) => boolean | Promise<boolean>);

export interface HealthCheckOptions {
  /** Time between the end of one probe and the start of the next (and before the first). */
  interval: Duration;
  /** Consecutive misses that kill the incarnation. Default 3. */
  failures?: number;
  /** How long one probe may take before it counts as a miss. Default: the interval. */
  timeout?: Duration;
}

export interface HealthCheckConfig {
  readonly probe: HealthProbe;
  readonly intervalMs: number;
  readonly failures: number;
  readonly timeoutMs: number;
}

export const DEFAULT_HEALTH_FAILURES = 3;

export function parseHealthCheck(probe: unknown, options: unknown, program: string): HealthCheckConfig {
  if (typeof probe !== "function" && !(probe instanceof Command)) {
    throw new InvalidInputError(
      "healthCheck",
      `healthCheck: the probe must be a function or a Command, got ${describe(probe)}`,
      program,
    );
  }
  const opts: HealthCheckOptions =
    typeof options === "object" && options !== null
      ? (options as HealthCheckOptions)
      : { interval: options as Duration };
  const intervalMs = parseDuration(opts.interval, "healthCheck.interval", program);
  if (intervalMs < 1) {
    throw new InvalidInputError(
      "healthCheck.interval",
      "healthCheck.interval: must be at least 1ms",
      program,
    );
  }
  const failures = opts.failures ?? DEFAULT_HEALTH_FAILURES;
  if (typeof failures !== "number" || !Number.isSafeInteger(failures) || failures < 1) {
    throw new InvalidInputError(
      "healthCheck.failures",
      `healthCheck.failures: expected an integer >= 1, got ${describe(failures)}`,
      program,
    );
  }
  const timeoutMs =
    opts.timeout === undefined ? intervalMs : parseDuration(opts.timeout, "healthCheck.timeout", program);
  if (timeoutMs < 1) {
    throw new InvalidInputError("healthCheck.timeout", "healthCheck.timeout: must be at least 1ms", program);
  }
  return Object.freeze({ probe: probe as HealthProbe, intervalMs, failures, timeoutMs });
}

export interface HealthMonitorHooks {
  /** A probe missed; `killing` is true when this miss kills the incarnation. */
  onMiss(consecutive: number, killing: boolean): void;
  /** Kill the incarnation's tree. */
  kill(): void;
}

/** Probes one incarnation until it ends (`stop()`) or the probe fails `failures` times in a row. */
export class HealthMonitor {
  private timer: Cancellable | undefined;
  private probeAbort: AbortController | undefined;
  private stopped = false;
  private misses = 0;
  private killedFlag = false;

  constructor(
    private readonly config: HealthCheckConfig,
    private readonly runner: ProcessRunner,
    private readonly context: { readonly pid: number | undefined; readonly incarnation: number },
    private readonly hooks: HealthMonitorHooks,
  ) {
    this.schedule();
  }

  /** True once the monitor killed the incarnation. */
  get killed(): boolean {
    return this.killedFlag;
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.probeAbort?.abort(new Error("the incarnation ended"));
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = after(this.config.intervalMs, () => void this.tick());
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const controller = new AbortController();
    this.probeAbort = controller;
    const healthy = await this.ask(controller);
    controller.abort(new Error("probe finished"));
    if (this.stopped) return;
    if (healthy) {
      this.misses = 0;
      this.schedule();
      return;
    }
    this.misses++;
    const killing = this.misses >= this.config.failures;
    this.hooks.onMiss(this.misses, killing);
    if (killing) {
      this.killedFlag = true;
      this.stopped = true;
      this.hooks.kill();
      return;
    }
    this.schedule();
  }

  /** Runs the probe against its timeout. Never rejects: a throw or a late answer is a miss. */
  private ask(controller: AbortController): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const deadline = after(this.config.timeoutMs, () => {
        controller.abort(new Error("health probe timed out"));
        resolve(false);
      });
      this.runProbe(controller.signal).then(
        (healthy) => {
          deadline.cancel();
          resolve(healthy);
        },
        () => {
          deadline.cancel();
          resolve(false);
        },
      );
    });
  }

  private async runProbe(signal: AbortSignal): Promise<boolean> {
    const probe = this.config.probe;
    if (probe instanceof Command) {
      let command = probe;
      if (command[SPEC].timeoutMs === undefined) command = command.timeout(this.config.timeoutMs);
      if (command[SPEC].cancelSignal === undefined) command = command.cancelOn(signal);
      return (await this.runner.output(command)).isSuccess;
    }
    const answer = await probe({ pid: this.context.pid, incarnation: this.context.incarnation, signal });
    return answer === true;
  }
}
