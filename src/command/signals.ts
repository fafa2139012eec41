/**
 * Signals: validated against the host's table (`os.constants.signals`) so a typo fails at the
 * call, not silently at teardown. A name ("SIGTERM") or the platform's number for one (15).
 */
import { constants } from "node:os";
import { InvalidInputError } from "../errors.js";
import { describe } from "./validate.js";

const KNOWN = constants.signals as Readonly<Record<string, number>>;
const BY_NUMBER = new Map<number, NodeJS.Signals>();
for (const [name, number] of Object.entries(KNOWN))
  if (!BY_NUMBER.has(number)) BY_NUMBER.set(number, name as NodeJS.Signals);

export function parseSignal(value: unknown, argument: string, program = ""): NodeJS.Signals {
  if (typeof value === "string" && Object.hasOwn(KNOWN, value)) return value as NodeJS.Signals;
  if (typeof value === "number" && BY_NUMBER.has(value)) return BY_NUMBER.get(value) as NodeJS.Signals;
  throw new InvalidInputError(
    argument,
    `${argument}: unknown signal ${describe(value)} (use a name like "SIGTERM" or its number on this platform)`,
    program,
  );
}
