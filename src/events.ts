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
