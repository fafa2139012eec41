/**
 * Signals: validated against the host's table (`os.constants.signals`) so a typo fails at the
 * call, not silently at teardown.
 */
import { constants } from "node:os";
import { InvalidInputError } from "../errors.js";
import { describe } from "./validate.js";

const KNOWN = constants.signals as Readonly<Record<string, number>>;
const BY_NUMBER = new Map<number, NodeJS.Signals>();
for (const [name, number] of Object.entries(KNOWN))
  if (!BY_NUMBER.has(number)) BY_NUMBER.set(number, name as NodeJS.Signals);

/**
 * A signal name from the platform's table. Numbers are refused (the API takes names, and a
 * number means different signals on different platforms), but the message names the signal
 * a known number stands for here.
 */
export function parseSignal(value: unknown, argument: string, program = ""): NodeJS.Signals {
  if (typeof value === "string" && Object.hasOwn(KNOWN, value)) return value as NodeJS.Signals;
  const named = typeof value === "number" ? BY_NUMBER.get(value) : undefined;
  throw new InvalidInputError(
    argument,
    named !== undefined
      ? `${argument}: expected a signal name, got the number ${value} (here: ${JSON.stringify(named)})`
      : `${argument}: unknown signal ${describe(value)} (use a name like "SIGTERM")`,
    program,
  );
}
