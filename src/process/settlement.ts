/**
 * A run's settlement — what is known once it is over — and how the verbs turn it into their
 * answer: an error that beats any result (cancel, output limit), a `ProcessResult`, or the
 * decoded text of a stream. Never a V8 string-length crash: bytes are checked first.
 */
import type { CommandSpec } from "../command/spec.js";
import {
  CancelledError,
  type OutputStream,
  OutputTargetError,
  OutputTooLargeError,
  StdinError,
} from "../errors.js";
import { decodeAll, MAX_STRING_BYTES, skipPartialStart } from "../io/decode.js";
import { stripVt } from "../io/vt-sanitize.js";
import { type Outcome, ProcessResult } from "../result.js";
import type { LeaderExit } from "./driver.js";

/** Everything a verb needs to know once a run is over. Never rejects; errors are data here. */
export interface Settlement {
  readonly exit: LeaderExit;
  readonly outcome: Outcome;
  readonly durationMs: number;
  readonly cancelled: { readonly reason: unknown } | undefined;
  readonly overflow: OutputStream | undefined;
  readonly stdinError: Error | undefined;
  readonly timeoutMs: number | undefined;
  /** A `stdoutTo`/`stderrTo` target that failed while the run went on. */
  readonly targetError?: { readonly stream: "stdout" | "stderr"; readonly error: Error } | undefined;
}

/** What a verb reads of one capture: an output pump, or the interleaved `all` capture. */
export interface CapturedStream {
  readonly name: OutputStream;
  readonly truncated: boolean;
  readonly totalBytes: number;
  bytes(): Uint8Array;
}

/** A cancel beats everything; an `onOverflow: "error"` limit beats a result. */
export function throwIfFailed(spec: CommandSpec, s: Settlement): void {
  if (s.cancelled) throw new CancelledError(spec.program, s.cancelled.reason);
  if (s.overflow !== undefined) {
    const limit = spec.outputLimit;
    throw new OutputTooLargeError(
      spec.program,
      s.overflow,
      limit === undefined
        ? "is too large to hold in memory (Node's buffers stop at 4 GiB, a memory-limited host sooner): set outputLimit or stream it"
        : `exceeded its output limit (${describeLimit(limit)})`,
      { maxBytes: limit?.maxBytes, maxLines: limit?.maxLines },
    );
  }
}

export function resultOf<T>(
  spec: CommandSpec,
  s: Settlement,
  stdout: T,
  stdoutPump: CapturedStream,
  stderrPump: CapturedStream,
  all?: CapturedStream,
): ProcessResult<T> {
  const result = new ProcessResult<T>({
    program: spec.program,
    args: spec.args,
    stdout,
    stderr: textOf(spec, stderrPump),
    outcome: s.outcome,
    rawSignal: s.exit.signal,
    durationMs: s.durationMs,
    truncated: stdoutPump.truncated || stderrPump.truncated || all?.truncated === true,
    stdoutTruncated: stdoutPump.truncated,
    okCodes: spec.okCodes,
    timeoutMs: s.timeoutMs,
    ...(all === undefined ? {} : { all: textOf(spec, all), allTruncated: all.truncated }),
  });
  // Input that did not fully reach the child makes a success suspect; a failure speaks for itself.
  if (s.stdinError !== undefined && result.isSuccess) {
    throw new StdinError(spec.program, `feeding stdin failed: ${s.stdinError.message}`, s.stdinError);
  }
  // Output that did not fully reach its target likewise.
  if (s.targetError !== undefined && result.isSuccess) {
    throw new OutputTargetError(spec.program, s.targetError.stream, s.targetError.error);
  }
  return result;
}

/** A stream's captured bytes as text, refused up front when no string could hold them. */
export function textOf(spec: CommandSpec, pump: CapturedStream): string {
  let bytes = pump.bytes();
  if (bytes.length > MAX_STRING_BYTES) {
    throw new OutputTooLargeError(
      spec.program,
      pump.name,
      `is ${bytes.length} bytes, too large for a string (use outputBytes() or outputLimit)`,
    );
  }
  if (pump.truncated && spec.outputLimit?.onOverflow === "drop-oldest") {
    // The kept window ends at the stream's end, so it starts at totalBytes - length.
    bytes = skipPartialStart(bytes, spec.encoding, pump.totalBytes - bytes.length);
  }
  const text = decodeAll(bytes, spec.encoding);
  const rules = pump.name === "stderr" ? spec.stderrLineRules : spec.stdoutLineRules;
  return rules.sanitizeVt ? stripVt(text) : text;
}

function describeLimit(limit: { maxBytes: number | undefined; maxLines: number | undefined }): string {
  const parts: string[] = [];
  if (limit.maxBytes !== undefined) parts.push(`${limit.maxBytes} bytes`);
  if (limit.maxLines !== undefined) parts.push(`${limit.maxLines} lines`);
  return parts.join(", ");
}
