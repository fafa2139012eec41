/**
 * Durations: a number of milliseconds, or a string with a unit ("250ms", "1.5s", "2m", "1h").
 * Bare numeric strings are rejected on purpose: "10" could mean seconds (coreutils) or ms (Node).
 */
import { InvalidInputError } from "../errors.js";

export type Duration = number | `${number}${DurationUnit}` | string;
type DurationUnit = "ms" | "s" | "m" | "h";

/** Milliseconds per unit; the CLI's duration flags use the same table and bound. */
export const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const PATTERN = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h)\s*$/;

/** Largest delay we accept: ~10 years (setTimeout itself is re-armed past 2^31-1 ms). */
export const MAX_DURATION_MS = 10 * 365 * 24 * 3_600_000;

/** Parses a duration or throws `InvalidInputError` naming the argument and value. */
export function parseDuration(value: unknown, argument: string, program = ""): number {
  let ms: number;
  if (typeof value === "number") {
    ms = value;
  } else if (typeof value === "string") {
    const match = PATTERN.exec(value);
    if (!match) {
      throw new InvalidInputError(
        argument,
        `${argument}: invalid duration ${JSON.stringify(value)} (use a number of ms or a string like "250ms", "1.5s", "2m", "1h")`,
        program,
      );
    }
    ms = Number(match[1]) * (UNIT_MS[match[2] as string] as number);
  } else {
    throw new InvalidInputError(
      argument,
      `${argument}: a duration must be a number of ms or a string, got ${typeof value}`,
      program,
    );
  }
  if (!Number.isFinite(ms) || ms < 0) {
    throw new InvalidInputError(
      argument,
      `${argument}: invalid duration ${String(value)} (must be finite and >= 0)`,
      program,
    );
  }
  if (ms > MAX_DURATION_MS) {
    throw new InvalidInputError(
      argument,
      `${argument}: duration ${String(value)} is longer than 10 years`,
      program,
    );
  }
  return ms;
}

/** A deadline: a duration in ms, where 0 means "no deadline" (undefined). */
export function parseDeadline(value: unknown, argument: string, program = ""): number | undefined {
  const ms = parseDuration(value, argument, program);
  return ms === 0 ? undefined : ms;
}
