/** Synchronous argument checks shared by the builder: they run before anything can be spawned. */
import { InvalidInputError } from "../errors.js";

export function checkText(value: unknown, argument: string, program: string): string {
  if (typeof value !== "string") {
    throw new InvalidInputError(argument, `${argument}: expected a string, got ${describe(value)}`, program);
  }
  if (value.includes("\0")) {
    throw new InvalidInputError(argument, `${argument}: contains a NUL byte`, program);
  }
  return value;
}

/** Env names and values: NUL bytes are rejected, names may not be empty or contain "=". The value is never echoed. */
export function checkEnvEntry(name: unknown, value: unknown, program: string): void {
  checkEnvName(name, program);
  if (value === undefined) return;
  if (typeof value !== "string") {
    throw new InvalidInputError(
      `env.${String(name)}`,
      // typeof only: a wrongly typed value may still be a secret (a numeric PIN, say).
      `env.${String(name)}: value must be a string, got ${value === null ? "null" : typeof value}`,
      program,
    );
  }
  if (value.includes("\0")) {
    throw new InvalidInputError(
      `env.${String(name)}`,
      `env.${String(name)}: value contains a NUL byte`,
      program,
    );
  }
}

export function checkEnvName(name: unknown, program: string): string {
  if (typeof name !== "string" || name.length === 0 || name.includes("=") || name.includes("\0")) {
    const shown = typeof name === "string" ? JSON.stringify(name.replaceAll("\0", "\\0")) : describe(name);
    throw new InvalidInputError("env", `env: invalid variable name ${shown}`, program);
  }
  return name;
}

export function checkNonNegativeInteger(value: unknown, argument: string, program: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidInputError(
      argument,
      `${argument}: expected an integer >= 0, got ${describe(value)}`,
      program,
    );
  }
  return value;
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  return typeof value;
}

/** An `AbortSignal` for `cancelOn`, or an `InvalidInputError` naming what was passed instead. */
export function checkAbortSignal(signal: unknown, argument: string, program: string): AbortSignal {
  if (signal instanceof AbortSignal) return signal;
  throw new InvalidInputError(
    argument,
    `${argument}: expected an AbortSignal, got ${describe(signal)}`,
    program,
  );
}

/**
 * An options object: `undefined` is no options; anything else must be a plain object whose
 * every key is one of `known` — a typo (`{ concurency: 2 }`) is an error, never ignored.
 */
export function checkOptions<T extends object>(
  value: T | undefined,
  argument: string,
  known: readonly (keyof T & string)[],
  program = "",
): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidInputError(
      argument,
      `${argument}: expected an object, got ${describeShape(value)}`,
      program,
    );
  }
  for (const key of Object.keys(value)) {
    if (!(known as readonly string[]).includes(key)) {
      throw new InvalidInputError(
        `${argument}.${key}`,
        `${argument}: unknown option ${JSON.stringify(key)} (known: ${known.join(", ")})`,
        program,
      );
    }
  }
  return value;
}

export function checkBoolean(value: unknown, argument: string, program = ""): boolean {
  if (typeof value !== "boolean") {
    throw new InvalidInputError(
      argument,
      `${argument}: expected true or false, got ${describe(value)}`,
      program,
    );
  }
  return value;
}

/** A callback, checked when it is given — before anything is spawned. */
export function checkFunction<F extends Function>(value: F, argument: string, program = ""): F {
  if (typeof value !== "function") {
    throw new InvalidInputError(
      argument,
      `${argument}: expected a function, got ${describe(value)}`,
      program,
    );
  }
  return value;
}

/** `describe`, but saying "array" for arrays (an options object that is an array is a common slip). */
function describeShape(value: unknown): string {
  return Array.isArray(value) ? "an array" : describe(value);
}
