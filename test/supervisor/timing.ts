/** Fake-timer helpers for supervisor tests: run to completion and measure virtual time. */
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { vi } from "vitest";

/** Runs `work` with every timer flushed; returns its value and the virtual time it took. */
export async function timed<T>(work: () => Promise<T>): Promise<{ value: T; elapsed: number }> {
  const start = Date.now();
  const promise = work();
  // Keep a rejection from being reported as unhandled while timers run.
  promise.catch(() => {});
  await vi.runAllTimersAsync();
  const value = await promise;
  return { value, elapsed: Date.now() - start };
}

/** Like `timed`, for work that must reject: returns the error and the virtual time. */
export async function timedError(work: () => Promise<unknown>): Promise<{ error: unknown; elapsed: number }> {
  const start = Date.now();
  const promise = work().then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
  await vi.runAllTimersAsync();
  const error = await promise;
  return { error, elapsed: Date.now() - start };
}

/** Collects what is published on a diagnostics channel while `work` runs. */
export async function collect<T, R>(
  name: string,
  work: () => Promise<R>,
): Promise<{ value: R; payloads: T[] }> {
  const payloads: T[] = [];
  const listener = (message: unknown) => payloads.push(message as T);
  subscribe(name, listener);
  try {
    return { value: await work(), payloads };
  } finally {
    unsubscribe(name, listener);
  }
}
