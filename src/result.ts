/** The data a finished run produced, whatever its outcome. */
import { ExitError, SignalledError, TimeoutError } from "./errors.js";

/** How a run ended. `exited` carries the code, `signalled` the signal that killed the leader. */
export type Outcome =
  | { readonly kind: "exited"; readonly code: number }
  | { readonly kind: "signalled"; readonly signal: NodeJS.Signals }
  | { readonly kind: "timed-out" }
  | { readonly kind: "inactivity-timed-out" };

export interface ResultInit<T> {
  program: string;
  args: readonly string[];
  stdout: T;
  stderr: string;
  outcome: Outcome;
  /** Leader exit status as reported by the OS even when a deadline fired first. */
  rawSignal?: NodeJS.Signals | null;
  durationMs: number;
  truncated: boolean;
  /** Whether stdout itself lost bytes (defaults to `truncated` when a runner cannot tell). */
  stdoutTruncated?: boolean;
  okCodes?: readonly number[];
  /** The deadline that fired, for error messages. */
  timeoutMs?: number | undefined;
  /** Both streams interleaved in arrival order (`captureAll()`). */
  all?: string | undefined;
  allTruncated?: boolean;
}

const DEFAULT_OK: readonly number[] = Object.freeze([0]);

export class ProcessResult<T = string> {
  readonly program: string;
  readonly args: readonly string[];
  readonly stdout: T;
  readonly stderr: string;
  /** The exit code, or null when the run timed out or was killed by a signal (never a made-up -1). */
  readonly exitCode: number | null;
  /** The signal that ended the leader, or null (also null when a deadline fired and the code is unknown). */
  readonly signal: NodeJS.Signals | null;
  /** True when the absolute or the inactivity deadline fired, even if the child then exited 0. */
  readonly timedOut: boolean;
  readonly outcome: Outcome;
  readonly durationMs: number;
  /** True when an output limit dropped bytes or lines from stdout or stderr. */
  readonly truncated: boolean;
  /**
   * True when stdout itself was truncated. `run`/`parse`/`json` refuse only this: a chatty
   * stderr cut down by the limit does not make a complete stdout untrustworthy.
   */
  readonly stdoutTruncated: boolean;
  readonly okCodes: readonly number[];
  /** The deadline that fired, in ms (undefined unless `timedOut`). */
  readonly timeoutMs: number | undefined;
  /** stdout and stderr interleaved in the order they were read (`captureAll()`), else undefined. */
  readonly all: string | undefined;
  /** True when the output limit dropped bytes or lines from `all`. */
  readonly allTruncated: boolean;

  constructor(init: ResultInit<T>) {
    this.program = init.program;
    this.args = init.args;
    this.stdout = init.stdout;
    this.stderr = init.stderr;
    this.outcome = init.outcome;
    this.exitCode = init.outcome.kind === "exited" ? init.outcome.code : null;
    this.signal = init.outcome.kind === "signalled" ? init.outcome.signal : (init.rawSignal ?? null);
    this.timedOut = init.outcome.kind === "timed-out" || init.outcome.kind === "inactivity-timed-out";
    this.durationMs = init.durationMs;
    this.truncated = init.truncated;
    this.stdoutTruncated = init.stdoutTruncated ?? init.truncated;
    this.okCodes = init.okCodes ?? DEFAULT_OK;
    this.timeoutMs = init.timeoutMs;
    this.all = init.all;
    this.allTruncated = init.allTruncated ?? false;
  }

  /** Exited with a code in `okCodes`. */
  get isSuccess(): boolean {
    return this.outcome.kind === "exited" && this.okCodes.includes(this.outcome.code);
  }

  /**
   * Throws unless the run succeeded: `TimeoutError` first (a deadline beats whatever the
   * child did afterwards), then `SignalledError`, then `ExitError`. Returns `this` for chaining.
   */
  ensureSuccess(): this {
    if (this.isSuccess) return this;
    const text = this.asTextResult();
    switch (this.outcome.kind) {
      case "timed-out":
      case "inactivity-timed-out":
        throw new TimeoutError(text, this.timeoutMs);
      case "signalled":
        throw new SignalledError(text);
      case "exited":
        throw new ExitError(text);
    }
  }

  /** The same result with stdout mapped (used to attach text output to errors of byte runs). */
  withStdout<U>(stdout: U): ProcessResult<U> {
    return new ProcessResult<U>({ ...this.init(), stdout });
  }

  private asTextResult(): ProcessResult<string> {
    if (typeof this.stdout === "string") return this as unknown as ProcessResult<string>;
    const bytes = this.stdout as unknown as Uint8Array;
    return this.withStdout(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
  }

  private init(): ResultInit<T> {
    return {
      program: this.program,
      args: this.args,
      stdout: this.stdout,
      stderr: this.stderr,
      outcome: this.outcome,
      rawSignal: this.signal,
      durationMs: this.durationMs,
      truncated: this.truncated,
      stdoutTruncated: this.stdoutTruncated,
      okCodes: this.okCodes,
      timeoutMs: this.timeoutMs,
      all: this.all,
      allTruncated: this.allTruncated,
    };
  }

  toJSON(): Record<string, unknown> {
    return {
      program: this.program,
      args: this.args,
      outcome: this.outcome,
      exitCode: this.exitCode,
      signal: this.signal,
      timedOut: this.timedOut,
      durationMs: this.durationMs,
      truncated: this.truncated,
      stdout:
        typeof this.stdout === "string" ? this.stdout : `<${(this.stdout as Uint8Array).byteLength} bytes>`,
      stderr: this.stderr,
      ...(this.all === undefined ? {} : { all: this.all }),
    };
  }
}
