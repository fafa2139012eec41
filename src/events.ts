/**
 * Observability through `node:diagnostics_channel`. Publishing is skipped entirely when no
 * one subscribes, so an unobserved run pays one boolean check per event. Payloads carry the
 * program name, pid, mechanism, outcome and durations — never argv values or env values.
 */
import { channel } from "node:diagnostics_channel";
import type { Outcome } from "./result.js";

export const channels = {
  spawn: channel("processkit:spawn"),
  exit: channel("processkit:exit"),
  timeout: channel("processkit:timeout"),
  cancel: channel("processkit:cancel"),
  teardown: channel("processkit:teardown"),
  retry: channel("processkit:retry"),
  restart: channel("processkit:restart"),
  storm: channel("processkit:storm"),
} as const;

export interface SpawnEvent {
  readonly program: string;
  readonly pid: number | undefined;
  readonly mechanism: string;
}

export interface ExitEvent {
  readonly program: string;
  readonly pid: number | undefined;
  readonly outcome: Outcome | { readonly kind: "cancelled" };
  readonly durationMs: number;
}

export interface TimeoutEvent {
  readonly program: string;
  readonly pid: number | undefined;
  readonly kind: "absolute" | "inactivity";
  readonly timeoutMs: number;
}

export interface CancelEvent {
  readonly program: string;
  readonly pid: number | undefined;
}

export interface TeardownEvent {
  readonly program: string;
  readonly pid: number | undefined;
  readonly mechanism: string;
  /** Why the tree was stopped. */
  readonly cause: "leader-exit" | "timeout" | "inactivity" | "cancel" | "kill" | "shutdown" | "output-limit";
  /** "kill": SIGKILL at once; "graceful": signal, wait for the grace, then SIGKILL what is left. */
  readonly phase: "kill" | "graceful";
  readonly graceMs: number;
}

export function publish<T extends object>(ch: (typeof channels)[keyof typeof channels], make: () => T): void {
  if (ch.hasSubscribers) ch.publish(make());
}

/**
 * @internal What verbose mode shows beyond a payload (argv, cwd, the stderr tail). Kept beside
 * the payload in a WeakMap, never in it, so every other subscriber sees only the fields above;
 * and only looked up while a verbose subscriber wants it.
 */
export interface RunDetails {
  readonly args: readonly string[];
  readonly cwd: string | undefined;
  readonly okCodes: readonly number[];
  readonly timeoutMs: number | undefined;
  readonly inactivityTimeoutMs: number | undefined;
  /** During the spawn event only: every output line of the run also goes to `tap`. */
  tapLines(tap: (stream: "stdout" | "stderr", line: string) => void): void;
  /** The last non-empty line of captured stderr; meaningful once the run is over. */
  stderrTail(): string;
}

const detailsByPayload = new WeakMap<object, RunDetails>();
let detailWanters = 0;

/** @internal A verbose subscriber starts (true) or stops (false) wanting details. */
export function wantDetails(wanted: boolean): void {
  detailWanters = Math.max(0, detailWanters + (wanted ? 1 : -1));
}

/** @internal Files the run's details beside a payload, when someone wants them. */
export function withDetails<T extends object>(payload: T, details: () => RunDetails): T {
  if (detailWanters > 0) detailsByPayload.set(payload, details());
  return payload;
}

/** @internal The details filed beside a payload. */
export function detailsOf(payload: object): RunDetails | undefined {
  return detailsByPayload.get(payload);
}
