/**
 * `Supervisor`: keeps a command running — the Rust seed's `Supervisor`, ported faithfully,
 * then extended (exponent reset, storm guard, `giveUpWhen`, health checks, live sessions).
 *
 * Immutable like `Command`: every builder method returns a new `Supervisor`. The
 * serializable settings (`SupervisorOptions`) can also be passed to the constructor, which is
 * how a CLI or a config file drives it; functions are set with builder methods.
 */

import { inspect } from "node:util";
import { Command } from "../command/command.js";
import type { Duration } from "../command/duration.js";
import { checkOptions, describe } from "../command/validate.js";
import { InvalidInputError } from "../errors.js";
import type { ProcessResult } from "../result.js";
import { defaultRunner } from "../runner/job-runner.js";
import type { ProcessRunner } from "../runner/runner.js";
import { type GiveUpAttempt, type SessionOutcome, Supervision, type SupervisionOutcome } from "./engine.js";
import { EventLog } from "./event-log.js";
import type { SupervisorEvent } from "./events.js";
import {
  type HealthCheckConfig,
  type HealthCheckOptions,
  type HealthProbe,
  parseHealthCheck,
} from "./health-check.js";
import { applyOptions, DEFAULT_CONFIG, type SupervisorConfig, type SupervisorOptions } from "./options.js";
import type { RestartPolicy } from "./restart-policy.js";
import { SupervisionSession } from "./session.js";

export interface RunOptions {
  /** Abort → the running incarnation's tree is killed (or the backoff sleep ends) and `run()` rejects with `CancelledError` at once. */
  cancelSignal?: AbortSignal;
}

interface Parts {
  readonly command: Command;
  readonly config: SupervisorConfig;
  readonly runner: ProcessRunner | undefined;
  readonly stopWhen: ((result: ProcessResult<string>) => boolean) | undefined;
  readonly giveUpWhen: ((attempt: GiveUpAttempt) => boolean) | undefined;
  readonly healthCheck: HealthCheckConfig | undefined;
}

const PARTS: unique symbol = Symbol("processkit.supervisor.parts");

export class Supervisor {
  private readonly [PARTS]: Parts;

  constructor(command: Command, options: SupervisorOptions = {}) {
    if (!(command instanceof Command)) {
      throw new InvalidInputError("command", `command: expected a Command, got ${describe(command)}`);
    }
    this[PARTS] = Object.freeze({
      command,
      config: applyOptions(DEFAULT_CONFIG, options, command.program),
      runner: undefined,
      stopWhen: undefined,
      giveUpWhen: undefined,
      healthCheck: undefined,
    });
  }

  private with(patch: Partial<Parts>): Supervisor {
    const next = Object.create(Supervisor.prototype) as { [PARTS]: Parts };
    next[PARTS] = Object.freeze({ ...this[PARTS], ...patch });
    return next as unknown as Supervisor;
  }

  private set(options: SupervisorOptions): Supervisor {
    const parts = this[PARTS];
    return this.with({ config: applyOptions(parts.config, options, parts.command.program) });
  }

  private get program(): string {
    return this[PARTS].command.program;
  }

  /** The supervised command. */
  get command(): Command {
    return this[PARTS].command;
  }

  /** The validated settings as plain data (milliseconds). */
  get config(): SupervisorConfig {
    return this[PARTS].config;
  }

  /** "always" | "on-crash" (default) | "never". */
  restart(policy: RestartPolicy): Supervisor {
    return this.set({ restart: policy });
  }

  /** Most restarts; 0 = a single run. Default unlimited (`Infinity` restores that). */
  maxRestarts(n: number): Supervisor {
    return this.set({ maxRestarts: n });
  }

  /** Delay before the first restart and its growth per restart (defaults "200ms", 2). */
  backoff(base: Duration, factor?: number): Supervisor {
    return this.set(factor === undefined ? { backoff: base } : { backoff: base, factor });
  }

  /** Cap of the backoff delay (default "30s"). A run that stays up this long resets the backoff. */
  maxBackoff(cap: Duration): Supervisor {
    return this.set({ maxBackoff: cap });
  }

  /** Multiply each delay by U[0.5, 1.5) (default on). */
  jitter(enabled = true): Supervisor {
    return this.set({ jitter: enabled });
  }

  /** Stop as soon as a run's result matches (checked first, before the policy). A throwing predicate ends the supervision with its error. */
  stopWhen(predicate: (result: ProcessResult<string>) => boolean): Supervisor {
    return this.with({ stopWhen: checkFn(predicate, "stopWhen", this.program) });
  }

  /**
   * Give up instead of restarting after a failure: a crashed run (→ `stopped: "gave-up"`)
   * or an attempt the runner could not start (→ that error is thrown). Asked only when a
   * restart would otherwise happen, before the restart budget.
   */
  giveUpWhen(predicate: (attempt: GiveUpAttempt) => boolean): Supervisor {
    return this.with({ giveUpWhen: checkFn(predicate, "giveUpWhen", this.program) });
  }

  /** Enables the crash-loop guard: once the failure score goes past `failureThreshold`, pause this long (jittered) instead of the backoff. */
  stormPause(pause: Duration): Supervisor {
    return this.set({ stormPause: pause });
  }

  /** The storm guard trips when the failure score goes past this (default 5: the 6th failure in quick succession). */
  failureThreshold(threshold: number): Supervisor {
    return this.set({ failureThreshold: threshold });
  }

  /** Half-life of the failure score (default "30s"). */
  failureDecay(halfLife: Duration): Supervisor {
    return this.set({ failureDecay: halfLife });
  }

  /**
   * Probe each incarnation every `interval` while it runs; after `failures` (default 3)
   * consecutive misses its tree is killed and the run counts as a crash.
   */
  healthCheck(probe: HealthProbe, options: Duration | HealthCheckOptions): Supervisor {
    return this.with({ healthCheck: parseHealthCheck(probe, options, this.program) });
  }

  /** The runner every incarnation (and a `Command` health probe) runs with. Default: the shared `JobRunner`. */
  withRunner(runner: ProcessRunner): Supervisor {
    if (
      typeof runner !== "object" ||
      runner === null ||
      typeof runner.output !== "function" ||
      typeof runner.start !== "function"
    ) {
      throw new InvalidInputError(
        "withRunner",
        `withRunner: expected a runner (with output() and start()), got ${describe(runner)}`,
        this.program,
      );
    }
    return this.with({ runner });
  }

  /**
   * Runs until a gate says stop. Resolves with the outcome — which is not the child's
   * success: look at `outcome.finalResult`. Rejects with `CancelledError` when cancelled
   * (at once, also during a backoff), and with the runner's error when an attempt that could
   * not start is not restarted (`never`, budget spent, `giveUpWhen`).
   */
  run(options: RunOptions = {}): Promise<SupervisionOutcome> {
    checkOptions(options, "run", ["cancelSignal"], this.program);
    const cancelSignal = checkSignal(options.cancelSignal, this.program);
    const supervision = new Supervision(this.engineParts(), {
      useHandle: this[PARTS].healthCheck !== undefined,
      cancelSignal,
      emit: () => {},
    });
    return supervision.execute() as Promise<SupervisionOutcome>;
  }

  /** Starts a live session: `status()`, `events()`, `stop({ grace })`, `done`. Incarnations always run through `runner.start()`. */
  start(options: RunOptions = {}): SupervisionSession {
    checkOptions(options, "start", ["cancelSignal"], this.program);
    const cancelSignal = checkSignal(options.cancelSignal, this.program);
    const log = new EventLog<SupervisorEvent>();
    const supervision = new Supervision(this.engineParts(), {
      useHandle: true,
      cancelSignal,
      emit: (event) => log.push(event),
    });
    return new SupervisionSession(supervision, log, this.program);
  }

  private engineParts() {
    const parts = this[PARTS];
    return { ...parts, runner: parts.runner ?? defaultRunner() };
  }

  toJSON(): Record<string, unknown> {
    const parts = this[PARTS];
    return {
      command: parts.command.toJSON(),
      ...parts.config,
      hasStopWhen: parts.stopWhen !== undefined,
      hasGiveUpWhen: parts.giveUpWhen !== undefined,
      healthCheck:
        parts.healthCheck === undefined
          ? null
          : {
              intervalMs: parts.healthCheck.intervalMs,
              failures: parts.healthCheck.failures,
              timeoutMs: parts.healthCheck.timeoutMs,
            },
    };
  }

  [inspect.custom](): string {
    return `Supervisor(${inspect(this.toJSON(), { depth: 3, breakLength: Number.POSITIVE_INFINITY })})`;
  }
}

export type { SessionOutcome };

function checkFn<F extends Function>(fn: F, argument: string, program: string): F {
  if (typeof fn !== "function") {
    throw new InvalidInputError(argument, `${argument}: expected a function, got ${describe(fn)}`, program);
  }
  return fn;
}

function checkSignal(signal: unknown, program: string): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) {
    throw new InvalidInputError(
      "cancelSignal",
      `cancelSignal: expected an AbortSignal, got ${describe(signal)}`,
      program,
    );
  }
  return signal;
}
