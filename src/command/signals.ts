/** Signal names: validated against the host's table so a typo fails at the builder call, not at teardown. */
import { constants } from "node:os";
import { InvalidInputError } from "../errors.js";

const KNOWN = constants.signals as Readonly<Record<string, number>>;

export function parseSignal(value: unknown, argument: string, program = ""): NodeJS.Signals {
  if (typeof value === "string" && Object.hasOwn(KNOWN, value)) return value as NodeJS.Signals;
  throw new InvalidInputError(
    argument,
    `${argument}: unknown signal ${JSON.stringify(value)} (use a name like "SIGTERM")`,
    program,
  );
}
