/**
 * Retry for the checking verbs (`run`, `checked`, `exitCode`, `probe`, `parse`, `json`):
 * the data verbs (`output`, `outputBytes`) never retry — a failed run is data there, not an
 * error to recover from. A cancel is never retried and also ends a backoff sleep at once; a
 * command fed from a one-shot stdin source (a stream, a generator) is not retried at all,
 * because a second attempt would silently run with no input.
 */
import type { Command } from "../command/command.js";
import { type RetrySpec, SPEC, type StdinSpec } from "../command/spec.js";
import { CancelledError, ExitError, SignalledError, TimeoutError } from "../errors.js";
import { channels, publish } from "../events.js";
import { after } from "../process/timer.js";

/** By default: retry what a second run could plausibly fix — a failing exit, a deadline, a signal. */
export function retryableByDefault(error: unknown): boolean {
  return error instanceof ExitError || error instanceof TimeoutError || error instanceof SignalledError;
}

export async function retrying<T>(command: Command, attempt: () => Promise<T>): Promise<T> {
  const spec = command[SPEC];
  const policy = spec.retry;
  if (policy === undefined || policy.attempts <= 1 || isOneShot(spec.stdin)) return attempt();
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (error instanceof CancelledError || n + 1 >= policy.attempts) throw error;
      if (!(policy.retryOn ?? retryableByDefault)(error)) throw error;
      const delayMs = retryDelay(policy, n);
      publish(channels.retry, () => ({
        program: spec.program,
        attempt: n + 2,
        of: policy.attempts,
        delayMs,
      }));
      await sleep(delayMs, spec.cancelSignal, spec.program);
    }
  }
}

/** min(delay · factor^n, maxDelay), then full jitter U[0, d) when enabled. */
export function retryDelay(policy: RetrySpec, n: number, random: () => number = Math.random): number {
  const raw = policy.delayMs * policy.factor ** n;
  const capped = Number.isFinite(raw) ? Math.min(raw, policy.maxDelayMs) : policy.maxDelayMs;
  return policy.jitter ? capped * random() : capped;
}

function isOneShot(stdin: StdinSpec): boolean {
  return "oneShot" in stdin && stdin.oneShot;
}

function sleep(ms: number, signal: AbortSignal | undefined, program: string): Promise<void> {
  if (ms <= 0 && !signal?.aborted) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new CancelledError(program, signal.reason));
      return;
    }
    const onAbort = () => {
      timer.cancel();
      reject(new CancelledError(program, (signal as AbortSignal).reason));
    };
    const timer = after(ms, () => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    });
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
