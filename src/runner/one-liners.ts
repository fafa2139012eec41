/** `run(program, args, options)` and `output(...)`: a Command and a verb in one call. */
import { Command } from "../command/command.js";
import { applyOptions, type CommandOptions } from "../command/options.js";
import type { ProcessResult } from "../result.js";

/** Runs and returns stdout without trailing newlines; throws unless the run succeeded. */
export function run(program: string, args?: readonly string[], options?: CommandOptions): Promise<string> {
  return applyOptions(new Command(program, args), options).run();
}

/** Runs and returns the result; non-zero exits and timeouts are data. */
export function output(
  program: string,
  args?: readonly string[],
  options?: CommandOptions,
): Promise<ProcessResult<string>> {
  return applyOptions(new Command(program, args), options).output();
}
