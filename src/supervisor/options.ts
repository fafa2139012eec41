/**
 * The serializable part of a supervisor's configuration. Options in (durations as ms numbers
 * or strings like "250ms"), validated config out (milliseconds). Functions — `stopWhen`,
 * `giveUpWhen`, health probes, the runner — are set with builder methods instead.
 */
import type { Duration } from "../command/duration.js";
import { parseDuration } from "../command/duration.js";
import { checkBoolean, describe } from "../command/validate.js";
import { InvalidInputError } from "../errors.js";
import { parseRestartPolicy, RestartPolicy } from "./restart-policy.js";

export interface SupervisorOptions {
  /** "always" | "on-crash" (default) | "never". */
  restart?: RestartPolicy;
  /** Most restarts (0 = a single run). Default unlimited; `Infinity` also means unlimited. */
  maxRestarts?: number;
  /** Delay before the first restart. Default "200ms". */
  backoff?: Duration;
  /** Growth of the delay per restart. Default 2; below 1 or not finite → 1 (constant delay). */
  factor?: number;
  /** Cap of the delay (and the uptime that resets the exponent). Default "30s". */
  maxBackoff?: Duration;
  /** Multiply each delay by U[0.5, 1.5). Default true. */
  jitter?: boolean;
  /** Enables the crash-loop guard: one pause this long once the failure score goes past `failureThreshold`. Default off. */
  stormPause?: Duration;
  /** The storm guard trips when the failure score goes past this (the 6th rapid failure for 5). Default 5. */
  failureThreshold?: number;
  /** Half-life of the failure score. Default "30s". */
  failureDecay?: Duration;
}

/** Validated, plain-data configuration (milliseconds). `JSON.stringify` safe. */
export interface SupervisorConfig {
  readonly restart: RestartPolicy;
  /** null = unlimited. */
  readonly maxRestarts: number | null;
  readonly backoffMs: number;
  /** As given; the effective factor is `normalizeFactor(factor)`. */
  readonly factor: number;
  readonly maxBackoffMs: number;
  readonly jitter: boolean;
  /** null = storm guard off. */
  readonly stormPauseMs: number | null;
  readonly failureThreshold: number;
  readonly failureDecayMs: number;
}

export const DEFAULT_CONFIG: SupervisorConfig = Object.freeze({
  restart: RestartPolicy.OnCrash,
  maxRestarts: null,
  backoffMs: 200,
  factor: 2,
  maxBackoffMs: 30_000,
  jitter: true,
  stormPauseMs: null,
  failureThreshold: 5,
  failureDecayMs: 30_000,
});

const KNOWN_KEYS: ReadonlySet<string> = new Set([
  "restart",
  "maxRestarts",
  "backoff",
  "factor",
  "maxBackoff",
  "jitter",
  "stormPause",
  "failureThreshold",
  "failureDecay",
]);

/** Applies `options` on top of `base`, validating every key. Unknown keys are rejected (typos). */
export function applyOptions(
  base: SupervisorConfig,
  options: SupervisorOptions,
  program: string,
): SupervisorConfig {
  if (typeof options !== "object" || options === null) {
    throw new InvalidInputError("options", `options: expected an object, got ${describe(options)}`, program);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_KEYS.has(key)) {
      throw new InvalidInputError(key, `options: unknown supervisor option ${JSON.stringify(key)}`, program);
    }
  }
  const o = options;
  const patch: { -readonly [K in keyof SupervisorConfig]?: SupervisorConfig[K] } = {};
  if (o.restart !== undefined) patch.restart = parseRestartPolicy(o.restart, program);
  if (o.maxRestarts !== undefined) patch.maxRestarts = checkMaxRestarts(o.maxRestarts, program);
  if (o.backoff !== undefined) patch.backoffMs = parseDuration(o.backoff, "backoff", program);
  if (o.factor !== undefined) patch.factor = checkFactor(o.factor, program);
  if (o.maxBackoff !== undefined) patch.maxBackoffMs = parseDuration(o.maxBackoff, "maxBackoff", program);
  if (o.jitter !== undefined) patch.jitter = checkBoolean(o.jitter, "jitter", program);
  if (o.stormPause !== undefined) patch.stormPauseMs = parseDuration(o.stormPause, "stormPause", program);
  if (o.failureThreshold !== undefined) patch.failureThreshold = checkThreshold(o.failureThreshold, program);
  if (o.failureDecay !== undefined) patch.failureDecayMs = checkDecay(o.failureDecay, program);
  return Object.freeze({ ...base, ...patch });
}

export function checkMaxRestarts(value: unknown, program: string): number | null {
  if (value === Number.POSITIVE_INFINITY) return null;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidInputError(
      "maxRestarts",
      `maxRestarts: expected an integer >= 0 (or Infinity), got ${describe(value)}`,
      program,
    );
  }
  return value;
}

/** Any number is accepted (the seed turns nonsense into 1 when it computes delays); non-numbers are not. */
export function checkFactor(value: unknown, program: string): number {
  if (typeof value !== "number") {
    throw new InvalidInputError("factor", `factor: expected a number, got ${describe(value)}`, program);
  }
  return value;
}

export function checkThreshold(value: unknown, program: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new InvalidInputError(
      "failureThreshold",
      `failureThreshold: expected a finite number > 0, got ${describe(value)}`,
      program,
    );
  }
  return value;
}

export function checkDecay(value: unknown, program: string): number {
  const ms = parseDuration(value, "failureDecay", program);
  if (ms === 0) {
    throw new InvalidInputError("failureDecay", "failureDecay: must be longer than 0", program);
  }
  return ms;
}
