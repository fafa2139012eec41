/** The options of a `CliClient`: every `Command` option as a client-wide default, plus the runner. */
import { COMMAND_OPTION_KEYS, type CommandOptions } from "../command/options.js";
import { describe } from "../command/validate.js";
import { InvalidInputError } from "../errors.js";
import type { ProcessRunner } from "../runner/runner.js";

export interface CliClientOptions extends CommandOptions {
  /** Leading args every call starts with (`["-C", repo]`, `["--context", "prod"]`). */
  args?: readonly string[];
  /** The runner every verb goes through (default: the shared `JobRunner`). Test doubles plug in here. */
  runner?: ProcessRunner;
}

const KNOWN: ReadonlySet<string> = new Set<string>([...COMMAND_OPTION_KEYS, "args", "runner"]);

/** Unknown keys are refused (a typo like `timout` must not silently mean "no timeout"). */
export function checkClientOptions(options: unknown, program: string): CliClientOptions {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new InvalidInputError("options", `options: expected an object, got ${describe(options)}`, program);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw new InvalidInputError(key, `options: unknown option ${JSON.stringify(key)}`, program);
    }
  }
  const runner = (options as CliClientOptions).runner;
  if (
    runner !== undefined &&
    (typeof runner !== "object" ||
      runner === null ||
      typeof runner.output !== "function" ||
      typeof runner.outputBytes !== "function" ||
      typeof runner.start !== "function")
  ) {
    throw new InvalidInputError(
      "runner",
      `runner: expected a ProcessRunner (output, outputBytes, start), got ${describe(runner)}`,
      program,
    );
  }
  return options as CliClientOptions;
}

/** `later` on top of `earlier`: env merges (later names win), args append, every other key is replaced. */
export function mergeClientOptions(earlier: CliClientOptions, later: CliClientOptions): CliClientOptions {
  const merged: CliClientOptions = { ...earlier, ...later };
  if (earlier.env !== undefined && later.env !== undefined) merged.env = { ...earlier.env, ...later.env };
  if (earlier.args !== undefined && later.args !== undefined) merged.args = [...earlier.args, ...later.args];
  return merged;
}
