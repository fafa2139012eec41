/**
 * The delay math of the seed, as pure functions: `delay(n) = min(base · factor^n, cap)`,
 * then multiplied by a jitter factor drawn from U[0.5, 1.5).
 */

/** A factor below 1 or not finite (NaN, ±Infinity) becomes 1: a constant delay, never a shrinking one. */
export function normalizeFactor(factor: number): number {
  return Number.isFinite(factor) ? Math.max(factor, 1) : 1;
}

/**
 * The un-jittered delay before restart number `n + 1` (n = 0 for the first restart).
 * Base 0 means no delay at all; a huge exponent (overflow to Infinity) yields the cap.
 */
export function backoffDelay(baseMs: number, factor: number, n: number, capMs: number): number {
  if (baseMs === 0) return 0;
  const scaled = baseMs * factor ** n;
  if (!Number.isFinite(scaled) || scaled >= capMs) return capMs;
  return Math.min(scaled, capMs);
}

/** A factor in [0.5, 1.5). `random` must return values in [0, 1) like `Math.random`. */
export function jitterFactor(random: () => number = Math.random): number {
  return 0.5 + random();
}

/**
 * The delay actually slept: whole milliseconds, rounded down (so a jittered delay of
 * `d` stays in [⌊0.5·d⌋, 1.5·d)), jittered when enabled. Zero stays zero.
 */
export function applyJitter(delayMs: number, enabled: boolean, random: () => number = Math.random): number {
  if (delayMs <= 0) return 0;
  return Math.floor(enabled ? delayMs * jitterFactor(random) : delayMs);
}
