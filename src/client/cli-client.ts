/**
 * `CliClient`: a typed base for wrapping one CLI tool. Client-wide defaults (program, leading
 * args, cwd, env, timeout, retry, cancel signal, output limit, runner …) are applied to a base
 * `Command` once; every call appends its args to that base, so whatever the call sets on the
 * returned `Command` afterwards wins over a default (builder calls made later override earlier
 * ones). Every verb of the runner seam is on the client, attached from the one verb list.
 */
import { Command } from "../command/command.js";
import { applyOptions } from "../command/options.js";
import { defaultRunner } from "../runner/job-runner.js";
import type { ProcessRunner } from "../runner/runner.js";
import { type CliClientOptions, checkClientOptions, mergeClientOptions } from "./client-options.js";
import { attachClientVerbs, type ClientVerbs } from "./client-verbs.js";

// The verbs are attached to the prototype below from the verb table; this merge gives them types.
export interface CliClient extends ClientVerbs {}

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface only types what attachVerbs defines.
export class CliClient {
  /** The program every call runs. */
  readonly program: string;
  private readonly options: CliClientOptions;
  private readonly base: Command;

  constructor(program: string, options?: CliClientOptions) {
    this.program = new Command(program).program; // validates the program first, so errors name it
    this.options = { ...checkClientOptions(options, this.program) };
    this.base = baseCommand(this.program, this.options);
  }

  /** The runner every verb goes through. */
  get runner(): ProcessRunner {
    return this.options.runner ?? defaultRunner();
  }

  /**
   * A `Command` for one call: the client's program, leading args and defaults, then `args`.
   * Refine it (`.timeout(…)`, `.env(…)`, `.stdin(…)`) and pass it to a verb of the client so
   * it goes through the client's runner: `git.run(git.command("log").timeout("1s"))`.
   */
  command(...args: string[]): Command {
    return args.length === 0 ? this.base : this.base.args(args);
  }

  /**
   * A client of the same class with more defaults: `env` merges (the new names win), `args`
   * are appended to the leading args, every other key replaces the old default.
   */
  with(options: CliClientOptions): this {
    const merged = mergeClientOptions(this.options, checkClientOptions(options, this.program));
    const copy = Object.assign(Object.create(Object.getPrototypeOf(this)) as this, this);
    Object.assign(copy, { options: merged, base: baseCommand(this.program, merged) });
    return copy;
  }

  toString(): string {
    return `CliClient(${this.base.toString()})`;
  }
}

/** The client's defaults applied, in `applyOptions`' fixed order, to a command with the leading args. */
function baseCommand(program: string, options: CliClientOptions): Command {
  const { args, runner: _runner, ...commandOptions } = options;
  return applyOptions(new Command(program, args ?? []), commandOptions);
}

attachClientVerbs(CliClient.prototype as unknown as Parameters<typeof attachClientVerbs>[0]);
