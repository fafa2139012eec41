/**
 * The shared skeleton of every readiness probe: its own deadline (`within`), fail-fast when
 * the leader exits first, and a poll loop for the probes that have nothing to listen to.
 *
 * A probe never kills the child and never arms the command's deadlines; the pumps keep
 * draining both streams while it waits, because they always do.
 */
import { parseDuration } from "../../command/duration.js";
import { NotReadyError } from "../../errors.js";
import type { LeaderExit } from "../driver.js";
import { after } from "../timer.js";

/** @internal How often polling probes (port, HTTP, path, predicate) try again. */
export const POLL_MS = 50;

/** What a probe needs from a `RunningProcess`. */
export interface ProbeTarget {
  readonly program: string;
  /** Resolves when the leader exited; never rejects. */
  readonly exited: Promise<LeaderExit>;
}

/** Hands a probe body the means to settle it exactly once. */
export interface ProbeControl<T> {
  /** Aborted once the probe settled (ready, failed, deadline or exit): stop in-flight attempts. */
  readonly signal: AbortSignal;
  ready(value: T): void;
  /** Rejects with this error as is (a throwing line predicate). */
  fail(error: unknown): void;
  /** Rejects with `NotReadyError(message)` now. */
  notReady(message: string): void;
  /** Why the last attempt said "not yet"; shown in the deadline message. */
  lastError: string | undefined;
}

export interface ProbeOptions {
  /** What we wait for, for messages: `port 127.0.0.1:8080`. */
  readonly what: string;
  readonly withinMs: number;
  /** Fail as soon as the leader exits (default). Line probes instead fail when their stream ends. */
  readonly failOnExit?: boolean;
}

/** @internal Parses a probe's `within` argument (throws `InvalidInputError` synchronously). */
export function parseWithin(within: unknown, program: string): number {
  return parseDuration(within, "within", program);
}

/**
 * Runs a probe body under a deadline. The body starts the work and may return a cleanup,
 * which runs once, whichever way the probe settles.
 * @internal
 */
export function probe<T>(
  target: ProbeTarget,
  options: ProbeOptions,
  body: (control: ProbeControl<T>) => (() => void) | undefined,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const controller = new AbortController();
    let settled = false;
    let cleanup: (() => void) | undefined;
    const finish = () => {
      settled = true;
      deadline.cancel();
      controller.abort();
      cleanup?.();
    };
    const control: ProbeControl<T> = {
      signal: controller.signal,
      lastError: undefined,
      ready(value) {
        if (settled) return;
        finish();
        resolve(value);
      },
      fail(error) {
        if (settled) return;
        finish();
        reject(error);
      },
      notReady(message) {
        control.fail(new NotReadyError(target.program, message));
      },
    };
    const deadline = after(options.withinMs, () => {
      const last = control.lastError === undefined ? "" : ` (last attempt: ${control.lastError})`;
      control.fail(
        new NotReadyError(
          target.program,
          `${options.what} not ready within ${options.withinMs} ms${last}`,
          options.withinMs,
        ),
      );
    });
    if (options.failOnExit !== false) {
      void target.exited.then((exit) => {
        control.notReady(`exited (${describeExit(exit)}) before ${options.what} was ready`);
      });
    }
    try {
      const result = body(control);
      if (settled) result?.();
      else cleanup = result;
    } catch (error) {
      control.fail(error);
    }
  });
}

/**
 * Polls `attempt` every `POLL_MS` until it yields a value. `attempt` returns `undefined` (or
 * throws: the message is kept for the deadline error) while the target is not ready.
 * @internal
 */
export function poll<T>(
  target: ProbeTarget,
  options: ProbeOptions,
  attempt: (signal: AbortSignal) => Promise<T | undefined>,
): Promise<T> {
  return probe<T>(target, options, (control) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const loop = async (): Promise<void> => {
      if (control.signal.aborted) return;
      try {
        const value = await attempt(control.signal);
        if (value !== undefined) {
          control.ready(value);
          return;
        }
      } catch (error) {
        control.lastError = error instanceof Error ? error.message : String(error);
      }
      if (!control.signal.aborted) timer = setTimeout(() => void loop(), POLL_MS);
    };
    // First attempt on the next turn: an already-exited leader fails the probe before it.
    timer = setTimeout(() => void loop(), 0);
    return () => clearTimeout(timer);
  });
}

function describeExit(exit: LeaderExit): string {
  return exit.code !== null ? `code ${exit.code}` : `signal ${exit.signal ?? "unknown"}`;
}
