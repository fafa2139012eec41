/**
 * The flags that describe a child's environment, shared by `run`, `supervise` and `with`:
 * `--cwd DIR`, `--env K=V`…, `--env-clear`, `--inherit-env NAME`…. Env values are never
 * echoed in messages.
 */
import { Command } from "../index.js";
import { type FlagSpecs, type ParsedArgs, UsageError } from "./args.js";

export const ENV_FLAGS: FlagSpecs = {
  cwd: { type: "string" },
  env: { type: "string", multiple: true },
  "env-clear": { type: "boolean" },
  "inherit-env": { type: "string", multiple: true },
};

export const ENV_FLAGS_HELP = `  --cwd DIR            run in DIR (a relative PROGRAM path is resolved against it)
  --env NAME=VALUE     set a variable (repeatable; applied last)
  --env-clear          start from an empty environment
  --inherit-env NAME   start from an empty environment and copy only NAME from ours
                       (repeatable)`;

const ENV_NAME = /^[^=\0]+$/;

/** The program and its arguments, or a usage error saying what is missing. */
export function commandOf(words: readonly string[], what = "the program to run"): Command {
  const [program, ...args] = words;
  if (program === undefined || program === "") throw new UsageError(`missing ${what}`);
  return new Command(program, args);
}

/** Applies the environment flags: the base (clear / inherit only) first, then `--env`. */
export function applyEnvFlags(command: Command, parsed: ParsedArgs): Command {
  let cmd = command;
  const cwd = parsed.string("cwd");
  if (cwd !== undefined) {
    if (cwd === "") throw new UsageError("--cwd: expected a directory");
    cmd = cmd.cwd(cwd);
  }
  if (parsed.flag("env-clear")) cmd = cmd.envClear();
  const inherit = parsed.strings("inherit-env");
  for (const name of inherit) {
    if (!ENV_NAME.test(name))
      throw new UsageError(`--inherit-env: invalid variable name ${JSON.stringify(name)}`);
  }
  if (inherit.length > 0) cmd = cmd.inheritEnv(inherit);
  const vars: Record<string, string> = {};
  for (const entry of parsed.strings("env")) {
    const eq = entry.indexOf("=");
    // Only the name is ever shown: the value may be a secret.
    if (eq <= 0) {
      throw new UsageError(
        eq === 0
          ? '--env: missing the variable name before "="'
          : '--env: expected NAME=VALUE (no "=" found)',
      );
    }
    const name = entry.slice(0, eq);
    if (name.includes("\0")) throw new UsageError("--env: invalid variable name");
    if (entry.includes("\0")) throw new UsageError(`--env: the value of ${name} contains a NUL byte`);
    vars[name] = entry.slice(eq + 1);
  }
  if (Object.keys(vars).length > 0) cmd = cmd.env(vars);
  return cmd;
}
