/** The options object of the one-liners: the same keys as the builder methods, applied in one place. */

import type { Command, OutputLimit, RetryPolicy } from "./command.js";
import type { Duration } from "./duration.js";
import type { LineHandler, OutputMode } from "./output-options.js";
import type { StdinSource } from "./stdin-source.js";
import { checkBoolean, checkOptions } from "./validate.js";

export interface CommandOptions {
  cwd?: string;
  env?: Readonly<Record<string, string | undefined>>;
  envRemove?: readonly string[];
  envClear?: boolean;
  inheritEnv?: readonly string[];
  stdin?: StdinSource;
  stdout?: OutputMode;
  stderr?: OutputMode;
  encoding?: string;
  outputLimit?: OutputLimit;
  onStdoutLine?: LineHandler;
  onStderrLine?: LineHandler;
  okCodes?: readonly number[];
  timeout?: Duration;
  timeoutGrace?: Duration;
  timeoutSignal?: NodeJS.Signals;
  inactivityTimeout?: Duration;
  cancelOn?: AbortSignal;
  retry?: RetryPolicy;
  uid?: number;
  gid?: number;
}

/** Applies options in a fixed order (base environment before overrides), each through its builder method. */
/** Every key `applyOptions` understands: the compile-time check below keeps this list complete. */
export const COMMAND_OPTION_KEYS = [
  "cwd",
  "env",
  "envRemove",
  "envClear",
  "inheritEnv",
  "stdin",
  "stdout",
  "stderr",
  "encoding",
  "outputLimit",
  "onStdoutLine",
  "onStderrLine",
  "okCodes",
  "timeout",
  "timeoutGrace",
  "timeoutSignal",
  "inactivityTimeout",
  "cancelOn",
  "retry",
  "uid",
  "gid",
] as const satisfies readonly (keyof CommandOptions)[];

type Missing = Exclude<keyof CommandOptions, (typeof COMMAND_OPTION_KEYS)[number]>;
const complete: [Missing] extends [never] ? true : Missing = true;
void complete;

export function applyOptions(command: Command, options: CommandOptions | undefined): Command {
  if (checkOptions(options, "options", COMMAND_OPTION_KEYS, command.program) === undefined) return command;
  if (options === undefined) return command;
  if (options.envClear !== undefined) checkBoolean(options.envClear, "options.envClear", command.program);
  let c = command;
  if (options.envClear) c = c.envClear();
  if (options.inheritEnv !== undefined) c = c.inheritEnv(options.inheritEnv);
  if (options.envRemove !== undefined) c = c.envRemove(options.envRemove);
  if (options.env !== undefined) c = c.env(options.env);
  if (options.cwd !== undefined) c = c.cwd(options.cwd);
  if (options.stdin !== undefined) c = c.stdin(options.stdin);
  if (options.stdout !== undefined) c = c.stdout(options.stdout);
  if (options.stderr !== undefined) c = c.stderr(options.stderr);
  if (options.encoding !== undefined) c = c.encoding(options.encoding);
  if (options.outputLimit !== undefined) c = c.outputLimit(options.outputLimit);
  if (options.onStdoutLine !== undefined) c = c.onStdoutLine(options.onStdoutLine);
  if (options.onStderrLine !== undefined) c = c.onStderrLine(options.onStderrLine);
  if (options.okCodes !== undefined) c = c.okCodes(options.okCodes);
  if (options.timeout !== undefined) c = c.timeout(options.timeout);
  if (options.timeoutGrace !== undefined) c = c.timeoutGrace(options.timeoutGrace);
  if (options.timeoutSignal !== undefined) c = c.timeoutSignal(options.timeoutSignal);
  if (options.inactivityTimeout !== undefined) c = c.inactivityTimeout(options.inactivityTimeout);
  if (options.cancelOn !== undefined) c = c.cancelOn(options.cancelOn);
  if (options.retry !== undefined) c = c.retry(options.retry);
  if (options.uid !== undefined) c = c.uid(options.uid);
  if (options.gid !== undefined) c = c.gid(options.gid);
  return c;
}
