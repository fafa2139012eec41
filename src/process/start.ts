/**
 * The start door: the only place where a spec and a driver (a real child in its container,
 * or a test double) become a `RunningProcess`. Runners, pipeline stages and `ScriptedRunner`
 * all come through here, so "already cancelled → spawn nothing" is decided once, and a new
 * spawn path plugs in behind `open` without any caller learning about it.
 */
import type { CommandSpec } from "../command/spec.js";
import { CancelledError } from "../errors.js";
import type { ProcessDriver } from "./driver.js";
import { RunningProcess, type RunningProcessOptions } from "./running-process.js";

/** An already-aborted signal spawns nothing, not even a lookup of the program. */
export function refuseIfCancelled(program: string, signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError(program, signal.reason);
}

/**
 * Starts one run. `open` is called only if the run is not already cancelled; it acquires
 * whatever the run needs (a container, a spawn) and cleans up after itself if it throws.
 */
export async function startRun(
  spec: CommandSpec,
  open: () => ProcessDriver | Promise<ProcessDriver>,
  options: RunningProcessOptions,
): Promise<RunningProcess> {
  refuseIfCancelled(spec.program, spec.cancelSignal);
  return new RunningProcess(spec, await open(), options);
}
