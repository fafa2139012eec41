/**
 * What a supervision reports: the typed events of a session (`session.events()`) and the
 * payloads published on the `processkit:restart` / `processkit:storm` diagnostics channels.
 * Channel payloads carry the program name and numbers only — never argv or env values.
 */
import type { ProcessResult } from "../result.js";
import type { StopReason } from "./restart-policy.js";

interface Stamped {
  /** Wall-clock time of the event (`Date.now()`). */
  readonly at: number;
}

/** An incarnation was spawned. `pid` is undefined for test doubles. */
export interface IncarnationStartedEvent extends Stamped {
  readonly type: "incarnation-started";
  /** 1 for the first run, 2 for the first restart … */
  readonly incarnation: number;
  readonly pid: number | undefined;
}

/** An incarnation ended with a result (whatever its exit status). */
export interface IncarnationExitedEvent extends Stamped {
  readonly type: "incarnation-exited";
  readonly incarnation: number;
  readonly result: ProcessResult<string>;
  /** How long the incarnation ran, from the start request to its result. */
  readonly uptimeMs: number;
  /** Not a success: an exit code outside `okCodes`, a timeout, a signal, or a health-check kill. */
  readonly crashed: boolean;
  /** The health check killed it. */
  readonly healthKilled: boolean;
}

/** The runner could not produce a result (spawn failure, program not found, cancel …). */
export interface IncarnationFailedEvent extends Stamped {
  readonly type: "incarnation-failed";
  readonly incarnation: number;
  readonly error: unknown;
  /** `error.reason` for processkit errors, otherwise "error". */
  readonly reason: string;
  readonly message: string;
}

/** A health probe missed (returned false, threw, or did not answer in time). */
export interface HealthCheckFailedEvent extends Stamped {
  readonly type: "health-check-failed";
  readonly incarnation: number;
  /** Consecutive misses so far, including this one. */
  readonly consecutive: number;
  /** How many consecutive misses kill the incarnation. */
  readonly failures: number;
  /** True when this miss makes the supervisor kill the incarnation. */
  readonly killing: boolean;
}

/** A restart will happen after `delayMs` (already jittered; a storm pause when `storm` is true). */
export interface RestartScheduledEvent extends Stamped {
  readonly type: "restart-scheduled";
  /** The number this restart will have (1 for the first restart). */
  readonly restart: number;
  readonly delayMs: number;
  /** The backoff exponent used (0 for the first restart or after a reset). */
  readonly exponent: number;
  readonly storm: boolean;
}

/** The storm guard tripped: one long pause replaces the backoff delay. */
export interface StormPauseEvent extends Stamped {
  readonly type: "storm-pause";
  readonly pauseMs: number;
  /** The failure score that reached the threshold. */
  readonly score: number;
  /** Storm pauses so far, including this one. */
  readonly stormPauses: number;
}

/** `giveUpWhen` matched; the supervision ends ("gave-up", or the failed attempt's error). */
export interface GaveUpEvent extends Stamped {
  readonly type: "gave-up";
  readonly incarnation: number;
}

/** The supervision ended with an outcome. Always the last event unless it ended with an error. */
export interface StoppedEvent extends Stamped {
  readonly type: "stopped";
  readonly reason: StopReason;
  readonly restarts: number;
  readonly stormPauses: number;
  readonly livenessKills: number;
}

/** The supervision ended with an error (cancel, a spawn failure it could not restart …). Always last. */
export interface ErroredEvent extends Stamped {
  readonly type: "errored";
  readonly error: unknown;
  readonly reason: string;
  readonly message: string;
}

/** A consumer fell more than the buffer size behind: `missed` events were dropped for it. */
export interface LaggedEvent {
  readonly type: "lagged";
  readonly missed: number;
}

export type SupervisorEvent =
  | IncarnationStartedEvent
  | IncarnationExitedEvent
  | IncarnationFailedEvent
  | HealthCheckFailedEvent
  | RestartScheduledEvent
  | StormPauseEvent
  | GaveUpEvent
  | StoppedEvent
  | ErroredEvent
  | LaggedEvent;

/** Payload of `processkit:restart`: published when a restart is scheduled. */
export interface RestartDiagnostic {
  readonly program: string;
  readonly restart: number;
  readonly delayMs: number;
  readonly exponent: number;
  /** Why the previous incarnation is being replaced. */
  readonly cause: "crashed" | "clean-exit" | "failed-to-start" | "unhealthy";
  readonly storm: boolean;
}

/** Payload of `processkit:storm`: published when the storm guard trips. */
export interface StormDiagnostic {
  readonly program: string;
  readonly pauseMs: number;
  readonly score: number;
  readonly stormPauses: number;
}

/** Describes an unknown error for an event: its processkit `reason`, or "error". */
export function describeError(error: unknown): { reason: string; message: string } {
  const reason = (error as { reason?: unknown } | null)?.reason;
  return {
    reason: typeof reason === "string" ? reason : "error",
    message: error instanceof Error ? error.message : String(error),
  };
}
