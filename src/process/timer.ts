/**
 * Timers for deadlines. setTimeout fires at once for delays past 2^31-1 ms (~24.8 days), so
 * long deadlines are re-armed in steps.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface Cancellable {
  cancel(): void;
}

export function after(ms: number, fn: () => void): Cancellable {
  let handle: NodeJS.Timeout;
  const arm = (left: number) => {
    handle = setTimeout(
      left > MAX_TIMER_MS ? () => arm(left - MAX_TIMER_MS) : fn,
      Math.min(left, MAX_TIMER_MS),
    );
  };
  arm(ms);
  return { cancel: () => clearTimeout(handle) };
}

/**
 * Fires when `touch()` has not been called for `ms`. Touching only records the time (cheap
 * on every chunk); the timer re-arms itself for the remainder when it wakes up early.
 */
export class InactivityTimer implements Cancellable {
  private last = performance.now();
  private timer: Cancellable;

  constructor(
    private readonly ms: number,
    private readonly fire: () => void,
  ) {
    this.timer = after(ms, () => this.check());
  }

  touch(): void {
    this.last = performance.now();
  }

  private check(): void {
    const idle = performance.now() - this.last;
    if (idle >= this.ms - 1) this.fire();
    else this.timer = after(this.ms - idle, () => this.check());
  }

  cancel(): void {
    this.timer.cancel();
  }
}
