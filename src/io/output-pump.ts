/**
 * The pump for one output stream: it always drains the pipe, and fans each chunk out to the
 * capture (what the result keeps), the line handlers (`onStdoutLine`) and, once someone
 * iterates the lines, a `LineQueue`. Line splitting costs nothing unless a line consumer exists.
 *
 * The line cursor: line probes (`waitForLine`) *watch* the stream without taking it. A probe
 * scans from the cursor (replaying what the capture kept, then live chunks) and, on a match,
 * moves the cursor just past the matched line. The capture itself is untouched (`output()`
 * still has everything); a later line consumer (`stdoutLines()`, `events()`) starts at the
 * cursor, so it continues right after the matched line.
 *
 * Byte consumers (`readable()`, issue 15) take the stream like a line consumer does (one
 * consumer, the same replay from the cursor); taps (a `Writable` target, the interleaved `all`
 * capture) see every raw chunk without taking it. Several parties may pause the pipe (line
 * backpressure, a byte consumer, a slow target): it flows again only when none holds it.
 */
import type { Readable } from "node:stream";
import type { LineHandler, LineRulesSpec, OutputLimitSpec } from "../command/spec.js";
import type { OutputStream } from "../errors.js";
import { type Capture, createCapture } from "./capture/index.js";
import { LineHandlers } from "./line-handlers.js";
import { LineScanner } from "./line-scanner.js";
import { createLineSplitter, type LineSplitter } from "./line-splitter.js";

export interface PumpOptions {
  readonly encoding: string;
  readonly limit: OutputLimitSpec | undefined;
  readonly handlers: readonly LineHandler[];
  /** Called on every chunk (inactivity deadline). */
  readonly onActivity: (() => void) | undefined;
  /** Called once when an `onOverflow: "error"` limit is crossed. */
  readonly onOverflow: (stream: OutputStream) => void;
  /** Carriage-return mode and `sanitizeVt` for this stream's lines. */
  readonly rules?: LineRulesSpec;
  /** False: the capture keeps nothing from the start (a `Writable` target without `capture`). */
  readonly capture?: boolean;
  /** Parties that see every raw chunk (a `Writable` target, the `all` capture). */
  readonly taps?: readonly PumpTap[];
}

/** Sees every raw chunk of the stream; may hold the pipe (`pump.hold`) until it catches up. */
export interface PumpTap {
  attach(pump: OutputPump): void;
  push(chunk: Buffer): void;
}

/** Where a byte consumer's chunks go (raw bytes, in order). */
export interface ByteSink {
  push(chunk: Buffer): void;
  end(): void;
}

/** Where a line consumer's batches go. */
export interface LineSink {
  push(lines: string[]): void;
  /** The stream ended (after the final unterminated line was pushed). */
  end(): void;
}

interface Watcher {
  readonly scanner: LineScanner;
  readonly onEnd: () => void;
}

export class OutputPump {
  /** Resolves when the stream ended or was destroyed (or at once when there is no stream). */
  readonly ended: Promise<void>;
  private capture: Capture | undefined;
  private captureConsumed = false;
  private readonly handlers: LineHandlers;
  private handlerSplitter: LineSplitter | undefined;
  private sink: LineSink | undefined;
  private byteSink: ByteSink | undefined;
  private queueSplitter: LineSplitter | undefined;
  private readonly holders = new Set<unknown>();
  private overflowReported = false;
  private finished = false;
  private finalBytes: Uint8Array | undefined;
  /** Bytes seen so far (kept or not). */
  private seen = 0;
  /** Absolute offset where the next line consumer starts (moved by line probes). */
  private cursor = 0;
  private readonly watchers = new Set<Watcher>();

  constructor(
    readonly name: OutputStream,
    private readonly stream: Readable | null,
    private readonly options: PumpOptions,
  ) {
    this.capture = stream === null || options.capture === false ? undefined : createCapture(options.limit);
    this.handlers = new LineHandlers(options.handlers);
    if (this.handlers.active) {
      this.handlerSplitter = this.splitter((lines) => this.deliver(lines));
    }
    if (stream === null) {
      this.ended = Promise.resolve();
      for (const tap of options.taps ?? []) tap.attach(this);
      return;
    }
    this.ended = new Promise<void>((resolve) => {
      const done = () => {
        if (this.finished) return;
        this.finished = true;
        this.handlerSplitter?.end();
        this.queueSplitter?.end();
        this.sink?.end();
        this.byteSink?.end();
        for (const watcher of [...this.watchers]) this.endWatcher(watcher);
        resolve();
      };
      stream.once("end", done);
      stream.once("close", done);
      // A read error (rare: EIO) ends the stream like EOF; the exit status still tells the story.
      stream.on("error", done);
    });
    for (const tap of options.taps ?? []) tap.attach(this);
    stream.on("data", (chunk: Buffer) => this.onData(chunk));
  }

  private onData(chunk: Buffer): void {
    this.options.onActivity?.();
    const at = this.seen;
    this.seen += chunk.length;
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
    this.byteSink?.push(chunk);
    const taps = this.options.taps;
    if (taps !== undefined) for (const tap of taps) tap.push(chunk);
    if (this.watchers.size > 0) {
      for (const watcher of [...this.watchers]) {
        watcher.scanner.feed(chunk, at);
        if (watcher.scanner.done) this.watchers.delete(watcher);
      }
    }
  }

  /** Hands each line to the handlers; once every handler is disabled, lines are no longer split for them. */
  private deliver(lines: string[]): void {
    this.handlers.deliver(lines);
    if (!this.handlers.active) this.handlerSplitter = undefined;
  }

  /**
   * Switches the stream to line consumption: batches go to `sink` (a `LineQueue`, or
   * `events()` merging two streams into one queue). Bytes captured so far are replayed first,
   * from the line cursor on (lines a probe consumed are skipped), so a consumer that starts
   * late loses nothing; from then on the capture keeps nothing. Throws on a second call:
   * lines have exactly one consumer.
   */
  takeLines(sink: LineSink): void {
    const replay = this.take();
    this.sink = sink;
    const splitter = this.splitter((lines) => sink.push(lines));
    if (replay !== undefined && replay.length > 0) splitter.push(replay);
    if (this.finished || this.stream === null) {
      splitter.end();
      sink.end();
    } else {
      this.queueSplitter = splitter;
    }
  }

  /**
   * Switches the stream to byte consumption (`readable()`): raw chunks go to `sink`, the kept
   * bytes from the line cursor on first. Exclusive with `takeLines` (throws on a second consumer).
   */
  takeBytes(sink: ByteSink): void {
    const replay = this.take();
    this.byteSink = sink;
    if (replay !== undefined && replay.length > 0)
      sink.push(Buffer.from(replay.buffer, replay.byteOffset, replay.length));
    if (this.finished || this.stream === null) sink.end();
  }

  /** Stops feeding the byte consumer (it went away); the pipe keeps draining. */
  dropBytes(): void {
    this.byteSink = undefined;
  }

  private take(): Uint8Array | undefined {
    if (this.captureConsumed) throw new Error(`${this.name} is already being consumed`);
    const replay = this.keptFrom(this.cursor);
    this.capture = undefined;
    this.captureConsumed = true;
    return replay?.bytes;
  }

  private splitter(sink: (lines: string[]) => void): LineSplitter {
    return createLineSplitter(this.options.encoding, sink, undefined, this.options.rules);
  }

  /** Pauses the pipe (consumer backpressure). The child blocks on write; nothing is lost. */
  pause(): void {
    this.hold("lines");
  }

  resume(): void {
    this.release("lines");
  }

  /** Holds the pipe for `holder` (a byte consumer, a slow target); it flows when nobody holds it. */
  hold(holder: unknown): void {
    this.holders.add(holder);
    this.stream?.pause();
  }

  release(holder: unknown): void {
    if (!this.holders.delete(holder)) return;
    if (this.holders.size === 0) this.stream?.resume();
  }

  /**
   * Watches lines from the line cursor on, without taking the stream: `onLine` sees every line
   * (captured ones first, then live ones) until it returns true, which moves the cursor just
   * past that line. `onEnd` runs if the stream ends first. Returns a function that stops watching.
   * Throws when a line consumer already took the stream (nothing is left to replay).
   */
  watchLines(onLine: (line: string) => boolean, onEnd: () => void): () => void {
    if (this.captureConsumed) throw new Error(`${this.name} is already being consumed as lines`);
    const scanner = new LineScanner(
      this.options.encoding,
      this.cursor,
      (line, end) => {
        if (!onLine(line)) return false;
        if (end > this.cursor) this.cursor = end;
        return true;
      },
      undefined,
      this.options.rules,
    );
    const watcher: Watcher = { scanner, onEnd };
    const replay = this.keptFrom(this.cursor);
    if (replay !== undefined) {
      scanner.feed(replay.bytes, replay.at);
      if (scanner.done) return () => {};
      // A sealed capture kept less than was seen: jump over the gap.
      if (replay.at + replay.bytes.length < this.seen) scanner.skipTo(this.seen);
    }
    if (this.finished || this.stream === null) {
      this.endWatcher(watcher);
      return () => {};
    }
    this.watchers.add(watcher);
    return () => {
      this.watchers.delete(watcher);
    };
  }

  private endWatcher(watcher: Watcher): void {
    this.watchers.delete(watcher);
    // The final unterminated line may still match; only a miss ends the watch.
    if (!watcher.scanner.done && !watcher.scanner.end()) watcher.onEnd();
  }

  /** The kept bytes from absolute offset `from` on (or from the oldest kept byte), with their offset. */
  private keptFrom(from: number): { bytes: Uint8Array; at: number } | undefined {
    const capture = this.capture;
    if (capture === undefined) return undefined;
    const kept = capture.finish();
    // A drop-oldest capture keeps the newest bytes; every other capture keeps a prefix.
    const keptStart = this.options.limit?.onOverflow === "drop-oldest" ? this.seen - kept.length : 0;
    const at = Math.max(from, keptStart);
    const offset = Math.min(at - keptStart, kept.length);
    return { bytes: offset === 0 ? kept : kept.subarray(offset), at };
  }

  /** False when the stream goes elsewhere (inherit, a file, ignore). */
  get piped(): boolean {
    return this.stream !== null;
  }

  /** True once a line or byte consumer took the stream (or a target left no capture): the capture no longer holds it. */
  get consumed(): boolean {
    return this.captureConsumed;
  }

  /** True when the capture never kept this stream (it goes only to a `Writable` target). */
  get uncaptured(): boolean {
    return this.options.capture === false;
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
