/**
 * The pump for one output stream: it always drains the pipe, and fans each chunk out to the
 * capture (what the result keeps), the line handlers (`onStdoutLine`) and, once someone
 * iterates the lines, a `LineQueue`. Line splitting costs nothing unless a line consumer exists.
 */
import type { Readable } from "node:stream";
import type { LineHandler, OutputLimitSpec } from "../command/spec.js";
import type { OutputStream } from "../errors.js";
import { type Capture, createCapture } from "./capture/index.js";
import { LineQueue } from "./line-queue.js";
import { createLineSplitter, type LineSplitter } from "./line-splitter.js";

export interface PumpOptions {
  readonly encoding: string;
  readonly limit: OutputLimitSpec | undefined;
  readonly handlers: readonly LineHandler[];
  /** Called on every chunk (inactivity deadline). */
  readonly onActivity: (() => void) | undefined;
  /** Called once when an `onOverflow: "error"` limit is crossed. */
  readonly onOverflow: (stream: OutputStream) => void;
}

export class OutputPump {
  /** Resolves when the stream ended or was destroyed (or at once when there is no stream). */
  readonly ended: Promise<void>;
  private capture: Capture | undefined;
  private captureConsumed = false;
  private readonly handlers: LineHandler[];
  private handlerSplitter: LineSplitter | undefined;
  private queue: LineQueue | undefined;
  private queueSplitter: LineSplitter | undefined;
  private overflowReported = false;
  private finished = false;
  private finalBytes: Uint8Array | undefined;

  constructor(
    readonly name: OutputStream,
    private readonly stream: Readable | null,
    private readonly options: PumpOptions,
  ) {
    this.capture = stream === null ? undefined : createCapture(options.limit);
    this.handlers = [...options.handlers];
    if (this.handlers.length > 0) {
      this.handlerSplitter = createLineSplitter(options.encoding, (lines) => this.deliver(lines));
    }
    if (stream === null) {
      this.ended = Promise.resolve();
      return;
    }
    this.ended = new Promise<void>((resolve) => {
      const done = () => {
        if (this.finished) return;
        this.finished = true;
        this.handlerSplitter?.end();
        this.queueSplitter?.end();
        this.queue?.end();
        resolve();
      };
      stream.once("end", done);
      stream.once("close", done);
      // A read error (rare: EIO) ends the stream like EOF; the exit status still tells the story.
      stream.on("error", done);
    });
    stream.on("data", (chunk: Buffer) => this.onData(chunk));
  }

  private onData(chunk: Buffer): void {
    this.options.onActivity?.();
    const capture = this.capture;
    if (capture !== undefined) {
      capture.push(chunk);
      if (capture.overflowed && !this.overflowReported) {
        this.overflowReported = true;
        this.options.onOverflow(this.name);
      }
    }
    this.handlerSplitter?.push(chunk);
    this.queueSplitter?.push(chunk);
  }

  /** Calls each handler per line; a handler that throws is disabled and the run goes on. */
  private deliver(lines: string[]): void {
    for (const line of lines) {
      for (let i = 0; i < this.handlers.length; i++) {
        try {
          (this.handlers[i] as LineHandler)(line);
        } catch {
          this.handlers.splice(i--, 1);
        }
      }
      if (this.handlers.length === 0) {
        this.handlerSplitter = undefined;
        return;
      }
    }
  }

  /**
   * Switches the stream to line consumption. Bytes captured so far are replayed first, so a
   * consumer that starts late loses nothing; from then on the capture keeps nothing.
   * Throws on a second call: lines have exactly one consumer.
   */
  lines(): LineQueue {
    if (this.queue !== undefined || this.captureConsumed)
      throw new Error(`${this.name} is already being consumed`);
    const queue = new LineQueue((paused) => {
      if (paused) this.stream?.pause();
      else this.stream?.resume();
    });
    this.queue = queue;
    const splitter = createLineSplitter(this.options.encoding, (lines) => queue.push(lines));
    const captured = this.capture?.finish();
    this.capture = undefined;
    this.captureConsumed = true;
    if (captured !== undefined && captured.length > 0) splitter.push(captured);
    if (this.finished || this.stream === null) {
      splitter.end();
      queue.end();
    } else {
      this.queueSplitter = splitter;
    }
    return queue;
  }

  /** True once `lines()` took the stream: the capture no longer holds it. */
  get consumed(): boolean {
    return this.captureConsumed;
  }

  get truncated(): boolean {
    return this.capture?.truncated ?? false;
  }

  get totalBytes(): number {
    return this.capture?.totalBytes ?? 0;
  }

  /** The captured bytes (call after `ended`). Empty when the stream was not piped or was consumed as lines. */
  bytes(): Uint8Array {
    this.finalBytes ??= this.capture?.finish() ?? EMPTY;
    return this.finalBytes;
  }

  /** Stops waiting for a pipe that an escaped process still holds open. */
  abandon(): void {
    if (this.stream !== null && !this.stream.destroyed) this.stream.destroy();
  }
}

const EMPTY = new Uint8Array(0);
