/**
 * A stream target (`stdoutTo(writable)`): every raw chunk of one output stream is written to a
 * Node `Writable`, with backpressure — when `write` returns false the pipe is held until
 * `drain`, so a slow target slows the child instead of buffering without bound. A target that
 * errors or closes is detached at once and its hold released: the pipe keeps draining, the
 * child is never left blocked, and the run reports the failure (`OutputTargetError`).
 * The target is never ended by the run: it is the caller's (it may be `process.stdout`).
 */
import type { Writable } from "node:stream";
import type { OutputPump, PumpTap } from "./output-pump.js";

const EMPTY = Buffer.alloc(0);

export class StreamTarget implements PumpTap {
  /** The first failure of the target, if any. */
  failure: Error | undefined;
  private pump: OutputPump | undefined;
  private waiting = false;
  private readonly onError = (error: Error) => this.fail(error);
  private readonly onClose = () => this.fail(new Error("the stream was closed before the output ended"));
  private readonly onDrain = () => {
    this.waiting = false;
    this.pump?.release(this);
  };

  constructor(private readonly target: Writable) {}

  attach(pump: OutputPump): void {
    this.pump = pump;
    this.target.on("error", this.onError);
    this.target.once("close", this.onClose);
    this.target.on("drain", this.onDrain);
    void pump.ended.then(() => this.detach());
  }

  push(chunk: Buffer): void {
    if (this.failure !== undefined) return;
    const target = this.target;
    if (target.destroyed || target.writableEnded) {
      this.fail(new Error("the stream was already closed"));
      return;
    }
    if (!target.write(chunk) && !this.waiting) {
      this.waiting = true;
      this.pump?.hold(this);
    }
  }

  /**
   * Resolves once everything handed to the target was processed by it (or it failed): the run
   * settles only then, so "the run is over" means the bytes reached the target. An empty write
   * with a callback is the flush marker (writes are processed in order).
   */
  flushed(): Promise<void> {
    const target = this.target;
    if (this.failure !== undefined || target.destroyed || !target.writableLength) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        target.off("close", done);
        target.off("error", done);
        resolve();
      };
      target.once("close", done);
      target.once("error", done);
      target.write(EMPTY, done);
    });
  }

  private fail(error: Error): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.detach();
  }

  /** Stops listening (a late error is swallowed: the target is no longer ours to watch) and frees the pipe. */
  private detach(): void {
    this.target.off("close", this.onClose);
    this.target.off("drain", this.onDrain);
    this.target.off("error", this.onError);
    if (this.failure !== undefined) this.target.on("error", () => {});
    this.waiting = false;
    this.pump?.release(this);
  }
}
