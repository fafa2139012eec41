/** Builds the child's environment at spawn time from the command's base and overrides. */
import type { CommandSpec } from "../command/spec.js";

/**
 * Returns undefined when the child simply inherits ours unchanged (Node then passes
 * process.env itself: no copy on the hot path).
 */
export function childEnvironment(spec: CommandSpec): NodeJS.ProcessEnv | undefined {
  const { envBase, envOverrides } = spec;
  if (envBase.kind === "inherit" && envOverrides.size === 0) return undefined;
  let env: NodeJS.ProcessEnv;
  switch (envBase.kind) {
    case "inherit":
      env = { ...process.env };
      break;
    case "clear":
      env = {};
      break;
    case "only":
      env = {};
      for (const name of envBase.names) {
        const value = process.env[name];
        if (value !== undefined) env[name] = value; // missing names are skipped, never set empty
      }
      break;
  }
  for (const [name, value] of envOverrides) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}
