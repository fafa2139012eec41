/**
 * What verbose mode may know of a run beyond the channel payloads (argv, cwd, the stderr tail,
 * its output lines) — built only when a verbose subscriber is listening, and filed beside the
 * payloads (events.ts `withDetails`), never in them.
 */
import type { CommandSpec, LineHandler } from "../command/spec.js";
import { lastLine } from "../errors.js";
import type { RunDetails } from "../events.js";

export type LineTap = (stream: "stdout" | "stderr", line: string) => void;

/** How much of stderr's end is decoded for the tail: a line longer than this shows its end. */
const TAIL_BYTES = 4096;

export function describeRun(spec: CommandSpec, stderrBytes: () => Uint8Array, taps: LineTap[]): RunDetails {
  return {
    args: spec.args,
    cwd: spec.cwd,
    okCodes: spec.okCodes,
    timeoutMs: spec.timeoutMs,
    inactivityTimeoutMs: spec.inactivityTimeoutMs,
    tapLines: (tap) => {
      taps.push(tap);
    },
    stderrTail: () => {
      const bytes = stderrBytes();
      const end = bytes.subarray(Math.max(0, bytes.length - TAIL_BYTES));
      return lastLine(new TextDecoder(spec.encoding).decode(end));
    },
  };
}

/** A stream's line handlers plus the taps a verbose subscriber asked for (none: the same list). */
export function withTaps(
  handlers: readonly LineHandler[],
  stream: "stdout" | "stderr",
  taps: readonly LineTap[],
): readonly LineHandler[] {
  return taps.length === 0
    ? handlers
    : [...handlers, ...taps.map((tap) => (line: string) => tap(stream, line))];
}
