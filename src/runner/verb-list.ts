/**
 * The verb list, declared once. `VerbsOf<Lead, P>` is the one typed declaration of every verb;
 * each owner binds its own leading arguments: a runner takes the command (`runner.run(cmd)`),
 * a `Command` or a `Pipeline` takes nothing (`cmd.run()`). `attachVerbs` puts the methods on a
 * prototype from the one table below, so no owner types the list out again (the way undici
 * attaches its API methods once at the root).
 */
import type { Command } from "../command/command.js";
import type { ProcessResult } from "../result.js";
import * as verbs from "./verbs.js";

/** Every verb. `Lead` is what the owner takes before the verb's own arguments. */
export interface VerbsOf<Lead extends unknown[], P> {
  /** Runs to completion. Non-zero exit, timeout and signal are data on the result. */
  output(...lead: Lead): Promise<ProcessResult<string>>;
  /** Like `output()` with stdout as exact bytes. */
  outputBytes(...lead: Lead): Promise<ProcessResult<Uint8Array>>;
  /** Stdout without trailing newlines; throws unless the run succeeded. */
  run(...lead: Lead): Promise<string>;
  /** The full result; throws unless the run succeeded. */
  checked(...lead: Lead): Promise<ProcessResult<string>>;
  /** The exit code, whatever it is; deadlines and signals throw. */
  exitCode(...lead: Lead): Promise<number>;
  /** Exit 0 → true, exit 1 → false, anything else throws. */
  probe(...lead: Lead): Promise<boolean>;
  /** `fn(stdout)` of a successful, complete run; a throwing `fn` becomes `ParseError`. */
  parse<T>(...args: [...lead: Lead, fn: (stdout: string) => T]): Promise<T>;
  /** Stdout parsed as JSON; bad JSON is a `ParseError` with line and column. */
  json<T = unknown>(...lead: Lead): Promise<T>;
  /** The first stdout line matching `predicate` (default: any); kills the tree once found. */
  firstLine(...args: [...lead: Lead, predicate?: (line: string) => boolean]): Promise<string | undefined>;
  /** Starts the run and returns a handle for streaming and control. */
  start(...lead: Lead): Promise<P>;
}

export type VerbName = keyof VerbsOf<[], unknown>;
/** The three verbs every runner implements itself; the others are derived from them. */
export type PrimitiveVerb = "output" | "outputBytes" | "start";
/** The verbs derived from the primitives: what `BaseRunner` and `Pipeline` get attached. */
export type DerivedVerbsOf<Lead extends unknown[], P> = Omit<VerbsOf<Lead, P>, PrimitiveVerb>;
const PRIMITIVES: ReadonlySet<string> = new Set<PrimitiveVerb>(["output", "outputBytes", "start"]);

/** Each verb from a runner's three primitives; `rest` is what the caller passed after the lead. */
const TABLE: Record<VerbName, (runner: verbs.VerbRunner, command: Command, rest: unknown[]) => unknown> = {
  output: (runner, command) => runner.output(command),
  outputBytes: (runner, command) => runner.outputBytes(command),
  run: (runner, command) => verbs.run(runner, command),
  checked: (runner, command) => verbs.checked(runner, command),
  exitCode: (runner, command) => verbs.exitCode(runner, command),
  probe: (runner, command) => verbs.probe(runner, command),
  parse: (runner, command, [fn]) => verbs.parse(runner, command, fn as (stdout: string) => unknown),
  json: (runner, command) => verbs.json(runner, command),
  firstLine: (runner, command, [predicate]) =>
    verbs.firstLine(runner, command, predicate as ((line: string) => boolean) | undefined),
  start: (runner, command) => runner.start(command),
};

/** How an owner turns `this` and the call's arguments into a runner, a command and the rest. */
export type VerbBinding = (
  self: object,
  args: unknown[],
) => { runner: verbs.VerbRunner; command: Command; rest: unknown[] };

/**
 * Defines the verbs on `prototype` (non-enumerable, like class methods): all of them, or with
 * `{ derivedOnly: true }` only those derived from the primitives the owner implements itself.
 */
export function attachVerbs(
  prototype: object,
  bind: VerbBinding,
  options: { derivedOnly?: boolean } = {},
): void {
  for (const [name, verb] of Object.entries(TABLE)) {
    if (options.derivedOnly === true && PRIMITIVES.has(name)) continue;
    Object.defineProperty(prototype, name, {
      configurable: true,
      writable: true,
      enumerable: false,
      value: function (this: object, ...args: unknown[]) {
        const { runner, command, rest } = bind(this, args);
        return verb(runner, command, rest);
      },
    });
  }
}
