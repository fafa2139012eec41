/**
 * Stop signals. SIGINT, SIGTERM and SIGHUP are caught from the very start of the CLI (before
 * anything is parsed or spawned) and queued until a subcommand routes them, so none is ever
 * lost: one that arrives while a child is being spawned stops that child as soon as it exists,
 * one that arrives before the spawn means nothing is spawned at all.
 *
 * The policy every subcommand shares (`stopPolicy`): the first stop signal begins a graceful
 * stop (the trees get the grace period, then SIGKILL); any further stop signal kills at once.
 */
import { signalStatus } from "./exit-codes.js";

export const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

type Listener = (signal: StopSignal) => void;

export class SignalInbox {
  private readonly seen: StopSignal[] = [];
  private readonly queued: StopSignal[] = [];
  private readonly handlers = new Map<StopSignal, () => void>();
  private listener: Listener | undefined;

  /** Starts catching the stop signals (idempotent). */
  install(): void {
    for (const signal of STOP_SIGNALS) {
      if (this.handlers.has(signal)) continue;
      const handler = () => this.receive(signal);
      this.handlers.set(signal, handler);
      process.on(signal, handler);
    }
  }

  /** Every stop signal received so far, in order. */
  get received(): readonly StopSignal[] {
    return this.seen;
  }

  /** The first stop signal received, if any. */
  get first(): StopSignal | undefined {
    return this.seen[0];
  }

  /** Delivers signals to `listener` from now on — the queued ones first, in order. */
  route(listener: Listener): void {
    this.listener = listener;
    while (this.queued.length > 0 && this.listener === listener) listener(this.queued.shift() as StopSignal);
  }

  /** Queues signals again (the routed target is gone). */
  unroute(): void {
    this.listener = undefined;
  }

  /** Gives the signals back to the OS defaults (before we re-raise one on ourselves). */
  uninstall(): void {
    for (const [signal, handler] of this.handlers) process.removeListener(signal, handler);
    this.handlers.clear();
  }

  private receive(signal: StopSignal): void {
    this.seen.push(signal);
    if (this.listener === undefined) this.queued.push(signal);
    else this.listener(signal);
  }
}

/** The CLI's one inbox, installed first thing by `main`. */
export const inbox = new SignalInbox();

export interface StopTarget {
  /** Begin a graceful stop: signal the trees, SIGKILL after the grace period. */
  graceful(signal: StopSignal): void;
  /** Kill everything at once. */
  immediate(signal: StopSignal): void;
}

export interface StopPolicyOptions {
  /**
   * Offered each signal before the policy acts while no stop is under way; returning true
   * means it was handled (an interactive child's own Ctrl-C).
   */
  readonly intercept?: (signal: StopSignal) => boolean;
  /** Called when a stop begins or escalates (for the human note). */
  readonly onStop?: (signal: StopSignal, phase: "graceful" | "immediate") => void;
}

/** First stop signal → graceful stop; any further one → kill at once. */
export function stopPolicy(target: StopTarget, options: StopPolicyOptions = {}): Listener {
  let stops = 0;
  return (signal) => {
    if (stops === 0 && options.intercept?.(signal) === true) return;
    stops++;
    if (stops === 1) {
      options.onStop?.(signal, "graceful");
      target.graceful(signal);
    } else {
      options.onStop?.(signal, "immediate");
      target.immediate(signal);
    }
  };
}

/**
 * Ends this process by `signal` (after our handlers are removed), so that whoever started us
 * sees what it would have seen without processkit in between: a shell reports 128+N and a
 * script interrupted with Ctrl-C stops. Falls back to exiting with 128+N.
 */
export function dieBy(signal: NodeJS.Signals): void {
  inbox.uninstall();
  // Not unref'd: the loop must stay alive until the signal lands.
  setTimeout(() => process.exit(signalStatus(signal)), 1_000);
  try {
    process.kill(process.pid, signal);
  } catch {
    process.exit(signalStatus(signal));
  }
}
