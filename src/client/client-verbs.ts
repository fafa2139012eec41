/**
 * The verbs of a `CliClient`, typed from the one verb table (`VERBS` in runner/verbs.ts): each
 * takes either the call's extra args (strings) or a `Command` from `client.command(...)`,
 * followed by the verb's own parameter (`parse`'s function, `firstLine`'s predicate).
 */
import { Command } from "../command/command.js";
import { describe } from "../command/validate.js";
import { InvalidInputError } from "../errors.js";
import { VERBS, type VerbName } from "../runner/verbs.js";

type Verbs = typeof VERBS;
type OwnParams<V> = V extends (runner: never, command: Command, ...own: infer P) => unknown ? P : never;
type Returned<V> = V extends (...params: never[]) => infer R ? R : never;

/** Args as strings, then the verb's own parameters (when it has any, and when they are optional). */
type WithArgs<P extends unknown[], R> = P extends []
  ? (...args: string[]) => R
  : Partial<P> extends P
    ? ((...args: string[]) => R) & ((...argsThenOwn: [...string[], ...Required<P>]) => R)
    : (...argsThenOwn: [...string[], ...P]) => R;

type ClientVerb<V> = ((command: Command, ...own: OwnParams<V>) => Returned<V>) &
  WithArgs<OwnParams<V>, Returned<V>>;

/** `json` and `parse` are generic; a mapped type would lose their type parameter. */
interface GenericVerbs {
  json<T = unknown>(...args: string[]): Promise<T>;
  json<T = unknown>(command: Command): Promise<T>;
  parse<T>(...argsThenFn: [...string[], (stdout: string) => T]): Promise<T>;
  parse<T>(command: Command, fn: (stdout: string) => T): Promise<T>;
}

export type ClientVerbs = {
  [K in Exclude<VerbName, keyof GenericVerbs>]: ClientVerb<Verbs[K]>;
} & GenericVerbs;

/** What a verb of the client needs from the client itself. */
export interface VerbHost {
  command(...args: string[]): Command;
  readonly runner: Parameters<Verbs["output"]>[0];
}

/** Attaches every verb of the table to `prototype`, each building its Command through `command()`. */
export function attachVerbs(prototype: VerbHost): void {
  for (const name of Object.keys(VERBS) as VerbName[]) {
    const verb = VERBS[name] as (...params: unknown[]) => unknown;
    Object.defineProperty(prototype, name, {
      configurable: true,
      writable: true,
      value(this: VerbHost, ...params: unknown[]) {
        const { command, own } = splitParams(this, name, params);
        return verb(this.runner, command, ...own);
      },
    });
  }
}

/** `(command, ...own)` or `(...args, ...own)`: args are strings, own parameters are functions. */
function splitParams(host: VerbHost, verb: string, params: unknown[]): { command: Command; own: unknown[] } {
  const first = params[0];
  if (first instanceof Command) {
    checkOwn(verb, params.slice(1), 1);
    return { command: first, own: params.slice(1) };
  }
  let split = params.findIndex((p) => typeof p !== "string");
  if (split === -1) split = params.length;
  const own = params.slice(split);
  checkOwn(verb, own, split);
  return { command: host.command(...(params.slice(0, split) as string[])), own };
}

function checkOwn(verb: string, own: unknown[], offset: number): void {
  if (own.length > 1 || (own.length === 1 && typeof own[0] !== "function")) {
    const bad = own.length === 1 ? own[0] : own[1];
    const index = offset + (own.length === 1 ? 0 : 1);
    throw new InvalidInputError(
      `args[${index}]`,
      `${verb}: args[${index}] must be a string (an extra argument) or, last, the verb's function; got ${describe(bad)}`,
    );
  }
}
