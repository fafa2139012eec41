/** Polls a cheap check with a short, growing interval (1, 2, 4 … 50 ms) until it holds or time runs out. */
export async function pollUntil(check: () => boolean, withinMs: number): Promise<boolean> {
  if (check()) return true;
  const deadline = performance.now() + withinMs;
  let interval = 1;
  for (;;) {
    const left = deadline - performance.now();
    if (left <= 0) return false;
    await sleep(Math.min(interval, left));
    if (check()) return true;
    interval = Math.min(interval * 2, 50);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
