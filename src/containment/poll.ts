/**
 * Polls a check until it holds or time runs out: every millisecond for the first few tries
 * (a killed tree is usually gone within a few ms), then backing off to 50 ms. A check that is
 * itself expensive (a /proc scan on a loaded machine) is never run back to back: the interval
 * is at least twice what the last check cost.
 */
export async function pollUntil(check: () => boolean, withinMs: number): Promise<boolean> {
  let cost = timed(check);
  if (cost.ok) return true;
  const deadline = performance.now() + withinMs;
  let interval = 1;
  for (let polls = 1; ; polls++) {
    const left = deadline - performance.now();
    if (left <= 0) return false;
    await sleep(Math.min(Math.max(interval, cost.ms * 2), left));
    cost = timed(check);
    if (cost.ok) return true;
    if (polls >= 8) interval = Math.min(interval * 2, 50);
  }
}

function timed(check: () => boolean): { ok: boolean; ms: number } {
  const started = performance.now();
  const ok = check();
  return { ok, ms: performance.now() - started };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
