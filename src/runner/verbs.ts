/**
 * Every verb, derived once from the three primitives of `ProcessRunner`. The data-vs-error
 * table (API.md §2) lives here and nowhere else:
 *
 * | verb        | non-zero exit | timeout       | killed by signal |
 * |-------------|---------------|---------------|------------------|
 * | output      | data          | data          | data             |
 * | run         | ExitError     | TimeoutError  | SignalledError   |
 * | checked     | ExitError     | TimeoutError  | SignalledError   |
 * | exitCode    | returned      | TimeoutError  | SignalledError   |
 * | probe       | 0→true 1→false, else ExitError | TimeoutError | SignalledError |
 * | parse/json  | ExitError     | TimeoutError  | SignalledError   |
 * | firstLine   | (not checked) | TimeoutError  | (not checked)    |
 *
 * The checking verbs honour `command.retry(...)` (see retry.ts); the data verbs never retry.
 */

import type { Command } from "../command/command.js";
import { SPEC } from "../command/spec.js";
import { checkFunction } from "../command/validate.js";
import {
  ExitError,
  InvalidInputError,
  OutputTooLargeError,
  ParseError,
  SignalledError,
  TimeoutError,
} from "../errors.js";
import type { Outcome, ProcessResult } from "../result.js";
import { describeJsonError } from "./json-error.js";
import { retrying } from "./retry.js";

/** What `firstLine` needs of a started run: a `RunningProcess`, or a started `Pipeline`. */
export interface LineSource {
  stdoutLines(): AsyncIterableIterator<string>;
  finish(): Promise<{ readonly outcome: Outcome }>;
  output(): Promise<ProcessResult<string>>;
  kill(): Promise<void>;
}

/** The primitives the verbs are derived from: any `ProcessRunner`, or a pipeline posing as one. */
export interface VerbRunner<P extends LineSource = LineSource> {
  output(command: Command): Promise<ProcessResult<string>>;
  outputBytes(command: Command): Promise<ProcessResult<Uint8Array>>;
  start(command: Command): Promise<P>;
}

/** Stdout with trailing line terminators removed. Refuses a silently truncated capture. */
export function run(runner: VerbRunner, command: Command): Promise<string> {
  return retrying(command, async () => {
    const result = refuseTruncated((await runner.output(command)).ensureSuccess());
    return trimTrailingNewlines(result.stdout);
  });
}

/** The full result, once it is known to be a success. Lenient about truncation (the flag is on the result). */
export function checked(runner: VerbRunner, command: Command): Promise<ProcessResult<string>> {
  return retrying(command, async () => (await runner.output(command)).ensureSuccess());
}

/** The exit code, whatever it is. Deadlines and signals are errors: there is no code to return. */
export function exitCode(runner: VerbRunner, command: Command): Promise<number> {
  return retrying(command, async () => codeOf(await runner.output(command)));
}

/** Exit 0 → true, exit 1 → false (the `test`/`grep -q` convention); anything else is an error. */
export function probe(runner: VerbRunner, command: Command): Promise<boolean> {
  return retrying(command, async () => {
    const result = await runner.output(command);
    const code = codeOf(result);
    if (code === 0) return true;
    if (code === 1) return false;
    throw new ExitError(result);
  });
}

function codeOf(result: ProcessResult<string>): number {
  if (result.timedOut) throw new TimeoutError(result, result.timeoutMs);
  if (result.exitCode === null) throw new SignalledError(result);
  return result.exitCode;
}

/** `fn(stdout)` of a successful, complete run. A throwing `fn` becomes `ParseError`. */
export async function parse<T>(runner: VerbRunner, command: Command, fn: (stdout: string) => T): Promise<T> {
  checkFunction(fn, "parse(fn)", command.program); // before anything is spawned
  requirePipedStdout(command, "parse");
  const result = await retrying(command, async () =>
    refuseTruncated((await runner.output(command)).ensureSuccess()),
  );
  try {
    return fn(result.stdout);
  } catch (error) {
    throw new ParseError(
      result.program,
      `parse failed: ${error instanceof Error ? error.message : String(error)}`,
      error,
    );
  }
}

/** Stdout parsed as JSON. Bad JSON → `ParseError` with line, column and the text around it. */
export async function json<T = unknown>(runner: VerbRunner, command: Command): Promise<T> {
  requirePipedStdout(command, "json");
  const result = await retrying(command, async () =>
    refuseTruncated((await runner.output(command)).ensureSuccess()),
  );
  try {
    return JSON.parse(result.stdout) as T;
  } catch (error) {
    throw new ParseError(result.program, describeJsonError(result.stdout, error), error);
  }
}

/**
 * The first stdout line matching `predicate`, or undefined when stdout ends without one.
 * Stops reading and kills the tree as soon as a line matches.
 */
export async function firstLine(
  runner: VerbRunner,
  command: Command,
  predicate: (line: string) => boolean = () => true,
): Promise<string | undefined> {
  checkFunction(predicate, "firstLine(predicate)", command.program); // before anything is spawned
  requirePipedStdout(command, "firstLine");
  const proc = await runner.start(command);
  // As in the bulk verbs, an interactive stdin is closed: nobody can write to it from here.
  if (command[SPEC].stdin.kind === "interactive") {
    void (proc as Partial<{ stdin: { end(): Promise<void> } }>).stdin?.end();
  }
  try {
    for await (const line of proc.stdoutLines()) {
      if (predicate(line)) return line;
    }
    const finished = await proc.finish();
    if (finished.outcome.kind === "timed-out" || finished.outcome.kind === "inactivity-timed-out") {
      const result = await proc.output().catch(() => undefined);
      if (result !== undefined) throw new TimeoutError(result, result.timeoutMs);
    }
    return undefined;
  } finally {
    await proc.kill();
  }
}

export function trimTrailingNewlines(text: string): string {
  let end = text.length;
  while (end > 0) {
    const c = text.charCodeAt(end - 1);
    if (c !== 10 && c !== 13) break;
    end--;
  }
  return end === text.length ? text : text.slice(0, end);
}

function refuseTruncated(result: ProcessResult<string>): ProcessResult<string> {
  if (result.stdoutTruncated) {
    throw new OutputTooLargeError(
      result.program,
      "stdout",
      "was truncated by its output limit; this verb refuses partial output",
    );
  }
  return result;
}

function requirePipedStdout(command: Command, verb: string): void {
  const mode = command[SPEC].stdout;
  if (mode !== "pipe") {
    const shown = typeof mode === "string" ? mode : "a file";
    throw new InvalidInputError(
      "stdout",
      `${verb}() reads stdout, but stdout goes to ${shown}`,
      command.program,
    );
  }
}
