/**
 * The public vocabulary of streaming options on a `Command` (issue 15): where a stream's raw
 * bytes go besides (or instead of) the capture, which stream a per-stream line rule applies
 * to, and the checks that turn builder arguments into frozen spec data.
 */
import { Writable } from "node:stream";
import { InvalidInputError } from "../errors.js";
import { describe } from "./validate.js";

/** Which output stream a line rule (`carriageReturnLines`, `sanitizeVt`) applies to. */
export type StreamSelector = "stdout" | "stderr" | "both";

export interface StreamTargetOptions {
  /** Also keep the bytes in the capture (a tee), so `output()` still has them (default false). */
  readonly capture?: boolean;
}

/** @internal A Node `Writable` that receives a stream's raw bytes. */
export interface OutputTargetSpec {
  readonly stream: Writable;
  readonly capture: boolean;
}

/** @internal How lines of one stream are framed and cleaned. */
export interface LineRulesSpec {
  /** A bare `\r` ends a line too (progress bars); `\r\n` stays one terminator. */
  readonly cr: boolean;
  /** ANSI/VT escape sequences are stripped from decoded lines and captured text. */
  readonly sanitizeVt: boolean;
}

export const PLAIN_LINES: LineRulesSpec = Object.freeze({ cr: false, sanitizeVt: false });

/** @internal */
export function checkTarget(
  target: unknown,
  options: unknown,
  argument: string,
  program: string,
): OutputTargetSpec {
  if (!(target instanceof Writable) && !isWritableLike(target)) {
    throw new InvalidInputError(
      argument,
      `${argument}: expected a Node Writable stream, got ${describe(target)}`,
      program,
    );
  }
  let capture = false;
  if (options !== undefined) {
    if (typeof options !== "object" || options === null) {
      throw new InvalidInputError(
        argument,
        `${argument}: options must be an object, got ${describe(options)}`,
        program,
      );
    }
    for (const key of Object.keys(options)) {
      if (key !== "capture")
        throw new InvalidInputError(`${argument}.${key}`, `${argument}: unknown option ${key}`, program);
    }
    const value = (options as { capture?: unknown }).capture;
    if (value !== undefined && typeof value !== "boolean") {
      throw new InvalidInputError(
        `${argument}.capture`,
        `${argument}.capture: expected a boolean, got ${describe(value)}`,
        program,
      );
    }
    capture = value === true;
  }
  return Object.freeze({ stream: target as Writable, capture });
}

/** process.stdout is a tty.WriteStream or net.Socket: both are Writables; anything with write/once/on is accepted. */
function isWritableLike(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.write === "function" && typeof v.on === "function" && typeof v.once === "function";
}

/** @internal */
export function checkSelector(value: unknown, argument: string, program: string): StreamSelector {
  if (value === "stdout" || value === "stderr" || value === "both") return value;
  throw new InvalidInputError(
    argument,
    `${argument}: expected "stdout", "stderr" or "both", got ${describe(value)}`,
    program,
  );
}

/** @internal The rules of one stream with `patch` applied when the selector covers it. */
export function patchRules(
  rules: LineRulesSpec,
  stream: "stdout" | "stderr",
  selector: StreamSelector,
  patch: Partial<LineRulesSpec>,
): LineRulesSpec {
  if (selector !== "both" && selector !== stream) return rules;
  return Object.freeze({ ...rules, ...patch });
}
