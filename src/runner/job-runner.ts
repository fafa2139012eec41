/**
 * `JobRunner`: the default runner. Every run gets a private container; when the run ends
 * (exit, timeout, cancel, error) everything still alive in it is killed before the verb
 * resolves.
 */
import type { Command } from "../command/command.js";
import { SPEC } from "../command/spec.js";
import type { ContainmentBackend, Mechanism } from "../containment/container.js";
import { selectBackend } from "../containment/select.js";
import { CancelledError } from "../errors.js";
import { ChildDriver } from "../process/driver.js";
import { launch } from "../process/launch.js";
import { RunningProcess } from "../process/running-process.js";
import type { ProcessResult } from "../result.js";
import { BaseRunner } from "./base-runner.js";

export interface JobRunnerOptions {
  /** Force a containment mechanism (default: the best the host supports, or PROCESSKIT_MECHANISM). */
  mechanism?: Mechanism;
}

export class JobRunner extends BaseRunner {
  private readonly backend: ContainmentBackend;

  constructor(options: JobRunnerOptions = {}) {
    super();
    this.backend = selectBackend(options.mechanism);
  }

  get mechanism(): Mechanism {
    return this.backend.mechanism;
  }

  start(command: Command): Promise<RunningProcess> {
    return this.launch(command, false);
  }

  async output(command: Command): Promise<ProcessResult<string>> {
    return (await this.launch(command, true)).output();
  }

  async outputBytes(command: Command): Promise<ProcessResult<Uint8Array>> {
    return (await this.launch(command, true)).outputBytes();
  }

  private async launch(command: Command, bulk: boolean): Promise<RunningProcess> {
    const spec = command[SPEC];
    // An already-aborted signal spawns nothing, not even a lookup of the program.
    if (spec.cancelSignal?.aborted) throw new CancelledError(spec.program, spec.cancelSignal.reason);
    const container = this.backend.createContainer();
    let launched: Awaited<ReturnType<typeof launch>>;
    try {
      launched = await launch(spec, container);
    } catch (error) {
      container.release();
      throw error;
    }
    return new RunningProcess(spec, new ChildDriver(launched.child, container), {
      killTreeOnExit: true,
      closeStdin: bulk,
    });
  }
}

let shared: JobRunner | undefined;

/** The runner behind `Command`'s own verbs and the one-liners. */
export function defaultRunner(): JobRunner {
  shared ??= new JobRunner();
  return shared;
}
