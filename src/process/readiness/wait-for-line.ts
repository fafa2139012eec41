/**
 * `waitForLine` / `waitForStderrLine`: resolves with the first line (from the line cursor on)
 * that matches. Lines already printed before the call count: the probe replays what the
 * capture kept, then watches live chunks.
 *
 * Consumption: the lines up to and including the match are consumed for line consumers — a
 * later `stdoutLines()` / `events()` starts right after the matched line, and a second probe
 * continues from there too. The capture is not touched: `output()` / `finish()` still report
 * the whole stream.
 *
 * It fails with `NotReadyError` at its deadline or when the stream ends without a match (the
 * child exited, or closed the stream). A line the child printed just before exiting is still
 * found: the stream only ends once everything written to it was read.
 */
import { InvalidInputError } from "../../errors.js";
import type { OutputPump } from "../../io/output-pump.js";
import { type ProbeTarget, probe } from "./probe.js";

/** A substring, a regular expression, or a predicate over the decoded line (no terminator). */
export type LineMatcher = string | RegExp | ((line: string) => boolean);

/** @internal */
export function checkMatcher(matcher: unknown, method: string, program: string): (line: string) => boolean {
  if (typeof matcher === "string") return (line) => line.includes(matcher);
  if (matcher instanceof RegExp) {
    return (line) => {
      matcher.lastIndex = 0; // a /g or /y regex is stateful
      return matcher.test(line);
    };
  }
  if (typeof matcher === "function") return (line) => Boolean(matcher(line));
  throw new InvalidInputError(
    "matcher",
    `${method}: expected a string, a RegExp or a predicate, got ${matcher === null ? "null" : typeof matcher}`,
    program,
  );
}

/** @internal */
export function waitForLine(
  target: ProbeTarget,
  pump: OutputPump,
  matches: (line: string) => boolean,
  withinMs: number,
): Promise<string> {
  const what = `a matching ${pump.name} line`;
  return probe<string>(target, { what, withinMs, failOnExit: false }, (control) => {
    return pump.watchLines(
      (line) => {
        if (control.signal.aborted) return false;
        let hit: boolean;
        try {
          hit = matches(line);
        } catch (error) {
          // A predicate bug is the caller's error, not "not ready": surface it as is.
          control.fail(error);
          return false;
        }
        if (hit) control.ready(line);
        return hit;
      },
      () => control.notReady(`${pump.name} ended before ${what} appeared`),
    );
  });
}
