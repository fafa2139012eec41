/**
 * The runner behind `processkit batch`: the library's `outputStream` engine drives it, and it
 * keeps a handle on every run in flight, so a stop can be *graceful* (SIGTERM each tree,
 * SIGKILL after the grace period) rather than the engine's own cancel (SIGKILL at once).
 * Once stopping, it refuses to start anything more: the engine then drains the queue quickly,
 * each refused command coming back as a `NotStartedError` entry.
 */
import type { Command, ProcessResult, ProcessRunner, RunningProcess } from "../index.js";

/** A command the batch never started because it was stopping. */
export class NotStartedError extends Error {
  override readonly name = "NotStartedError";
  constructor(readonly program: string) {
    super(`${program}: not started (the batch was stopping)`);
  }
}

export class BatchRunner implements ProcessRunner {
  private readonly live = new Set<RunningProcess>();
  private readonly stopped = new WeakSet<RunningProcess>();
  private readonly stoppedResults = new WeakSet<ProcessResult<string>>();
  private stopGraceMs: number | undefined;

  constructor(private readonly inner: ProcessRunner) {}

  /** Runs in flight. */
  get running(): number {
    return this.live.size;
  }

  get stopping(): boolean {
    return this.stopGraceMs !== undefined;
  }

  async output(command: Command): Promise<ProcessResult<string>> {
    if (this.stopGraceMs !== undefined) throw new NotStartedError(command.program);
    const proc = await this.inner.start(command);
    this.live.add(proc);
    // A stop that began while this one was being spawned reaches it too.
    if (this.stopGraceMs !== undefined) this.stopOne(proc, this.stopGraceMs);
    try {
      const result = await proc.output();
      if (this.stopped.has(proc)) this.stoppedResults.add(result);
      return result;
    } finally {
      this.live.delete(proc);
    }
  }

  outputBytes(command: Command): Promise<ProcessResult<Uint8Array>> {
    return this.inner.outputBytes(command);
  }

  start(command: Command): Promise<RunningProcess> {
    return this.inner.start(command);
  }

  /** True when this result comes from a run the batch stopped (it did not fail on its own). */
  wasStopped(result: ProcessResult<string>): boolean {
    return this.stoppedResults.has(result);
  }

  /** Starts nothing more; SIGTERM to every tree in flight, SIGKILL after `graceMs`. */
  stop(graceMs: number): void {
    if (this.stopGraceMs !== undefined) return;
    this.stopGraceMs = graceMs;
    for (const proc of this.live) this.stopOne(proc, graceMs);
  }

  /** Starts nothing more; SIGKILL every tree in flight now. */
  kill(): void {
    this.stopGraceMs = 0;
    for (const proc of this.live) {
      this.stopped.add(proc);
      void proc.kill().catch(() => {});
    }
  }

  private stopOne(proc: RunningProcess, graceMs: number): void {
    this.stopped.add(proc);
    void proc.shutdown({ grace: graceMs }).catch(() => {});
  }
}
