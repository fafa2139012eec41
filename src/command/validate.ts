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
