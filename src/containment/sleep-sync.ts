/**
 * A synchronous pause, for code that cannot await: an exit handler, a teardown that must be
 * done before it returns, a write to a descriptor someone made non-blocking. Atomics.wait on a
 * private cell nobody notifies sleeps without spinning.
 */
const cell = new Int32Array(new SharedArrayBuffer(4));

export function sleepSync(ms: number): void {
  Atomics.wait(cell, 0, 0, ms);
}
