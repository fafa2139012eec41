/**
 * The restart policy and the reasons a supervision ends: exported constants (for
 * discoverability and refactoring) plus string-literal types (for plain, serializable
 * options: `restart: "on-crash"` is exactly `RestartPolicy.OnCrash`).
 */
import { InvalidInputError } from "../errors.js";

export const RestartPolicy = Object.freeze({
  /** Restart after every run, clean or not (stop it with `stopWhen`, a budget or `stop()`). */
  Always: "always",
  /** Restart only after a crash: an exit code outside `okCodes`, a timeout, a signal, a spawn failure. */
  OnCrash: "on-crash",
  /** Never restart: one run, reported as it ended. */
  Never: "never",
} as const);
export type RestartPolicy = (typeof RestartPolicy)[keyof typeof RestartPolicy];

export const StopReason = Object.freeze({
  /** `stopWhen(pred)` matched a run's result. */
  Predicate: "predicate",
  /** The policy did not ask for a restart (`on-crash` after a clean run, or `never`). */
  PolicySatisfied: "policy-satisfied",
  /** A restart was wanted but `maxRestarts` were already spent. */
  RestartsExhausted: "restarts-exhausted",
  /** `giveUpWhen(pred)` matched a crash. */
  GaveUp: "gave-up",
  /** A health check killed the run and the policy is `never`. */
  Unhealthy: "unhealthy",
  /** A session was stopped with `stop()`. */
  Stopped: "stopped",
} as const);
export type StopReason = (typeof StopReason)[keyof typeof StopReason];

const POLICIES: readonly string[] = Object.values(RestartPolicy);

export function parseRestartPolicy(value: unknown, program: string): RestartPolicy {
  if (typeof value === "string" && POLICIES.includes(value)) return value as RestartPolicy;
  throw new InvalidInputError(
    "restart",
    `restart: expected "always", "on-crash" or "never", got ${typeof value === "string" ? JSON.stringify(value) : typeof value}`,
    program,
  );
}
