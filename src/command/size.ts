/** Byte sizes: a number of bytes or a string like "512K", "64MiB", "1G" (binary multiples). */
import { InvalidInputError } from "../errors.js";

const UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i;

export type Size = number | string;

export function parseSize(value: unknown, argument: string, program = ""): number {
  let bytes: number;
  if (typeof value === "number") {
    bytes = value;
  } else if (typeof value === "string" && PATTERN.test(value)) {
    const [, amount, unit] = PATTERN.exec(value) as RegExpExecArray;
    const scaled = Number(amount) * (UNITS[(unit ?? "").toLowerCase()] as number);
    // "1.5K" rounds down to whole bytes; "1.5" (bytes) is as wrong as the number 1.5.
    bytes = unit === "" && !Number.isInteger(scaled) ? Number.NaN : Math.floor(scaled);
  } else {
    throw new InvalidInputError(
      argument,
      `${argument}: invalid size ${JSON.stringify(value)} (use bytes or "512K", "64M", "1G")`,
      program,
    );
  }
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new InvalidInputError(
      argument,
      `${argument}: invalid size ${String(value)} (must be a whole number of bytes >= 0)`,
      program,
    );
  }
  return bytes;
}
