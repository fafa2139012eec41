/**
 * The verbs of a `CliClient`, from the one verb list (runner/verb-list.ts): each takes either
 * the call's extra args (strings) or a `Command` from `client.command(...)`, followed by the
 * verb's own parameter (`parse`'s function, `firstLine`'s predicate).
 */
import { Command } from "../command/command.js";
import { describe } from "../command/validate.js";
import { InvalidInputError } from "../errors.js";
import type { RunningProcess } from "../process/running-process.js";
import type { ProcessRunner } from "../runner/runner.js";
import { attachVerbs, type VerbsOf } from "../runner/verb-list.js";

/** Both ways to call a verb: with extra args, or with a refined `Command`. */
export type ClientVerbs = VerbsOf<string[], RunningProcess> & VerbsOf<[command: Command], RunningProcess>;

/** What a verb of the client needs from the client itself. */
export interface VerbHost {
  command(...args: string[]): Command;
  readonly runner: ProcessRunner;
}

/** Attaches every verb to `prototype`; each builds its Command through the host's `command()`. */
export function attachClientVerbs(prototype: VerbHost): void {
  attachVerbs(prototype, (self, params) => {
    const host = self as VerbHost;
    return { runner: host.runner, ...splitParams(host, params) };
  });
}

/** `(command, ...own)` or `(...args, ...own)`: args are strings, the verb's own parameter a function. */
function splitParams(host: VerbHost, params: unknown[]): { command: Command; rest: unknown[] } {
  if (params[0] instanceof Command) {
    const rest = params.slice(1);
    checkOwn(rest, 1);
    return { command: params[0], rest };
  }
  let split = params.findIndex((p) => typeof p !== "string");
  if (split === -1) split = params.length;
  const rest = params.slice(split);
  checkOwn(rest, split);
  return { command: host.command(...(params.slice(0, split) as string[])), rest };
}

function checkOwn(own: unknown[], offset: number): void {
  if (own.length === 0 || (own.length === 1 && typeof own[0] === "function")) return;
  const index = own.length === 1 || typeof own[0] !== "function" ? 0 : 1;
  throw new InvalidInputError(
    `args[${offset + index}]`,
    `args[${offset + index}] must be a string (an extra argument) or, last, the verb's function; got ${describe(own[index])}`,
  );
}
