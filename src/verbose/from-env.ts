/**
 * `PROCESSKIT_DEBUG`: verbose mode without touching the code. `1` (or `true`, `yes`) prints
 * the program of each run, `args` prints its args too (they can carry secrets: opt-in),
 * `full` its args and every output line, `0`, `false`, `no` or empty is off. Read once, when processkit is first imported; unset costs
 * nothing (no subscriber is created).
 */
import { verbose } from "./verbose.js";

export const DEBUG_ENV = "PROCESSKIT_DEBUG";

const ON = new Set(["1", "true", "yes", "on"]);
const OFF = new Set(["", "0", "false", "no", "off"]);

export function verboseFromEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  const raw = env[DEBUG_ENV];
  if (raw === undefined) return;
  const value = raw.trim().toLowerCase();
  if (OFF.has(value)) return;
  if (value === "args" || value === "full") {
    verbose({ args: true, output: value === "full" });
    return;
  }
  if (!ON.has(value)) {
    // Never throw at import time; say what was understood instead of guessing silently.
    process.stderr.write(`processkit: ${DEBUG_ENV} is not one of 1, args, full, 0; treating it as 1\n`);
  }
  verbose();
}
