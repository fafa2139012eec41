/**
 * The error hierarchy. Every failure processkit reports is a `ProcessError` with a
 * `reason` discriminant, so callers can `switch (err.reason)` without `instanceof` chains.
 *
 * Messages are one line: the program, what happened, and the last line of stderr (≤ 200
 * chars). They never contain env values (nothing here ever sees them) nor full argv.
 */
import type { ProcessResult } from "./result.js";

export type ErrorReason =
  | "spawn"
  | "not-found"
  | "exit"
  | "signalled"
  | "timeout"
  | "cancelled"
  | "output-too-large"
  | "not-ready"
  | "parse"
  | "stdin"
  | "output-target"
  | "resource-limit"
  | "unsupported"
  | "invalid-input"
  | "cassette-miss";

const TAIL_LIMIT = 200;

/** The last non-empty line of a stream, trimmed to 200 chars: the part worth putting in a message. */
export function lastLine(text: string): string {
  let end = text.length;
  while (end > 0) {
    const start = text.lastIndexOf("\n", end - 1) + 1;
    const line = text.slice(start, end).trim();
    if (line.length > 0) return line.length > TAIL_LIMIT ? `${line.slice(0, TAIL_LIMIT - 1)}…` : line;
    end = start - 1;
  }
  return "";
}

function withTail(head: string, stderr: string): string {
  const tail = lastLine(stderr);
  return tail ? `${head}: ${tail}` : head;
}

export abstract class ProcessError extends Error {
  abstract readonly reason: ErrorReason;
  /** The program as given to `Command` ("" when the error is not about one program). */
  readonly program: string;

  constructor(program: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.program = program;
  }

  override get name(): string {
    return this.constructor.name;
  }
}

/** The OS refused to start a program that exists (permissions, bad cwd, ETXTBSY …). `cause` is the system error. */
export class SpawnError extends ProcessError {
  readonly reason = "spawn" as const;
  /** errno name of the system error when there is one (EACCES, ENOENT, ENOTDIR …). */
  readonly code: string | undefined;
  constructor(program: string, message: string, cause?: unknown) {
    super(program, message, cause === undefined ? undefined : { cause });
    const code = (cause as { code?: unknown } | undefined)?.code;
    this.code = typeof code === "string" ? code : undefined;
  }
}

/** A bare program name was not found in any PATH directory; `searched` lists them in order. */
export class NotFoundError extends ProcessError {
  readonly reason = "not-found" as const;
  readonly searched: readonly string[];
  /** How many of the searched PATH entries could not be looked into (missing parent, not a directory, no permission…): skipped, as execvp does. */
  readonly unusable: number;
  constructor(program: string, searched: readonly string[], unusable = 0) {
    super(
      program,
      searched.length > 0
        ? `${program}: not found on PATH (searched ${searched.length} director${searched.length === 1 ? "y" : "ies"}${
            unusable > 0 ? `, ${unusable} of them not searchable` : ""
          })`
        : `${program}: no such file`,
    );
    this.searched = searched;
    this.unusable = unusable;
  }
}

/** Fields shared by the errors that carry a finished run's captured output. */
abstract class ResultError extends ProcessError {
  readonly result: ProcessResult<string>;
  readonly stdout: string;
  readonly stderr: string;
  constructor(result: ProcessResult<string>, message: string) {
    super(result.program, message);
    this.result = result;
    this.stdout = result.stdout;
    this.stderr = result.stderr;
  }
}

/** A checking verb saw an exit code outside `okCodes`. */
export class ExitError extends ResultError {
  readonly reason = "exit" as const;
  readonly exitCode: number;
  constructor(result: ProcessResult<string>) {
    const code = result.exitCode ?? -1;
    super(result, withTail(`${result.program} exited with code ${code}`, result.stderr));
    this.exitCode = code;
  }
}

/** The process was killed by a signal it did not choose (not our timeout, not a cancel). */
export class SignalledError extends ResultError {
  readonly reason = "signalled" as const;
  readonly signal: NodeJS.Signals;
  constructor(result: ProcessResult<string>) {
    const signal = result.signal ?? "SIGKILL";
    super(result, withTail(`${result.program} was killed by ${signal}`, result.stderr));
    this.signal = signal;
  }
}

/** A checking verb hit the run's deadline; the partial output is attached. */
export class TimeoutError extends ResultError {
  readonly reason = "timeout" as const;
  /** true when the inactivity deadline fired rather than the absolute one. */
  readonly inactivity: boolean;
  /** The deadline that fired, in milliseconds. */
  readonly timeoutMs: number | undefined;
  constructor(result: ProcessResult<string>, timeoutMs: number | undefined) {
    const inactivity = result.outcome.kind === "inactivity-timed-out";
    const what = inactivity ? "produced no output for" : "timed out after";
    super(result, withTail(`${result.program} ${what} ${timeoutMs ?? "?"} ms`, result.stderr));
    this.inactivity = inactivity;
    this.timeoutMs = timeoutMs;
  }
}

/** The run's AbortSignal fired. `cause` is the abort reason. Never carries a result. */
export class CancelledError extends ProcessError {
  readonly reason = "cancelled" as const;
  constructor(program: string, cause: unknown) {
    super(program, `${program} was cancelled`, { cause });
  }
}

/** A captured stream; `"all"` is the interleaved capture of both (`captureAll()`). */
export type OutputStream = "stdout" | "stderr" | "all";

/** Output crossed a limit with `onOverflow: "error"`, or a verb refused a truncated capture. */
export class OutputTooLargeError extends ProcessError {
  readonly reason = "output-too-large" as const;
  readonly stream: OutputStream;
  readonly maxBytes: number | undefined;
  readonly maxLines: number | undefined;
  constructor(
    program: string,
    stream: OutputStream,
    detail: string,
    limits: { maxBytes?: number | undefined; maxLines?: number | undefined } = {},
  ) {
    super(program, `${program}: ${stream} ${detail}`);
    this.stream = stream;
    this.maxBytes = limits.maxBytes;
    this.maxLines = limits.maxLines;
  }
}

/** A readiness probe gave up: its deadline passed, or the child exited / the stream closed first. */
export class NotReadyError extends ProcessError {
  readonly reason = "not-ready" as const;
  readonly timeoutMs: number | undefined;
  constructor(program: string, message: string, timeoutMs?: number) {
    super(program, `${program}: ${message}`);
    this.timeoutMs = timeoutMs;
  }
}

/** `parse(fn)` threw, or `json()` met invalid JSON (the message carries line, column and a fragment). */
export class ParseError extends ProcessError {
  readonly reason = "parse" as const;
  constructor(program: string, message: string, cause?: unknown) {
    super(program, `${program}: ${message}`, cause === undefined ? undefined : { cause });
  }
}

/** Feeding stdin failed for a reason other than the child closing it early (EPIPE is never an error). */
export class StdinError extends ProcessError {
  readonly reason = "stdin" as const;
  constructor(program: string, message: string, cause?: unknown) {
    super(program, `${program}: ${message}`, cause === undefined ? undefined : { cause });
  }
}

/**
 * A `Writable` given to `stdoutTo`/`stderrTo` failed (or was closed) while the run went on. The
 * target was detached at once and the pipe kept draining, so the child never blocked on it;
 * a run that otherwise succeeded reports the failure with this error.
 */
export class OutputTargetError extends ProcessError {
  readonly reason = "output-target" as const;
  readonly stream: "stdout" | "stderr";
  constructor(program: string, stream: "stdout" | "stderr", cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(program, `${program}: the ${stream} target failed: ${detail}`, { cause });
    this.stream = stream;
  }
}

export type LimitKind = "memoryMax" | "maxProcesses" | "cpuQuota";

/** A resource limit cannot be enforced on this host (never an unbounded group that claims a limit). */
export class ResourceLimitError extends ProcessError {
  readonly reason = "resource-limit" as const;
  readonly limit: LimitKind;
  constructor(limit: LimitKind, message: string) {
    super("", `${limit}: ${message}`);
    this.limit = limit;
  }
}

/** The operation is not possible with this mechanism, runner or platform. */
export class UnsupportedError extends ProcessError {
  readonly reason = "unsupported" as const;
  readonly operation: string;
  constructor(operation: string, message: string, program = "") {
    super(program, message);
    this.operation = operation;
  }
}

/** Bad input to the API, detected synchronously before anything is spawned. */
export class InvalidInputError extends ProcessError {
  readonly reason = "invalid-input" as const;
  /** The argument or option that was rejected, e.g. "timeout" or "args[2]". */
  readonly argument: string;
  constructor(argument: string, message: string, program = "") {
    super(program, message);
    this.argument = argument;
  }
}

/** A record/replay runner in replay mode has no recorded run for this command. */
export class CassetteMissError extends ProcessError {
  readonly reason = "cassette-miss" as const;
  /** The display form of the recorded call closest to the one that missed, when there is one. */
  readonly closest: string | undefined;
  constructor(program: string, message: string, closest?: string) {
    super(program, `${program}: ${message}`);
    this.closest = closest;
  }
}
