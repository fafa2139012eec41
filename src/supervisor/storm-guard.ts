/**
 * The crash-loop ("storm") guard. Every failure adds 1 to a score that halves every
 * `decayMs`; when the score goes past the threshold, that restart waits one long pause
 * instead of its backoff delay, and the score starts again from zero. "Past" (not "at"):
 * the score decays continuously, so N rapid failures score just under N in real time and
 * exactly N under fake timers — with a strict comparison both trip on failure N + 1.
 */
export class StormGuard {
  private score = 0;
  private lastFailureAt: number | undefined;

  constructor(
    private readonly threshold: number,
    private readonly decayMs: number,
  ) {}

  /**
   * Records a failure at `now` (ms, monotonic) and returns the score it produced and
   * whether that tripped the guard (the stored score then starts again from zero).
   */
  recordFailure(now: number): { readonly tripped: boolean; readonly score: number } {
    const elapsed = this.lastFailureAt === undefined ? 0 : Math.max(0, now - this.lastFailureAt);
    const score = this.score * 0.5 ** (elapsed / this.decayMs) + 1;
    this.lastFailureAt = now;
    const tripped = score > this.threshold;
    this.score = tripped ? 0 : score;
    return { tripped, score };
  }

  /** The score after the last failure (for events and tests). */
  get currentScore(): number {
    return this.score;
  }
}
