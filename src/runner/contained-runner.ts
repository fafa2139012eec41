/**
 * The runners that spawn real children: each run gets a container from `containerFor()`, is
 * launched into it and driven by a `RunningProcess`. `JobRunner` hands out private
 * containers (leftovers die with the leader); `ProcessGroup` nested ones inside the group
 * (leftovers stay in the group until it is shut down).
 */
import type { Command } from "../command/command.js";
import { type CommandSpec, SPEC } from "../command/spec.js";
import type { Container } from "../containment/container.js";
import { CancelledError } from "../errors.js";
import { ChildDriver } from "../process/driver.js";
import { launch } from "../process/launch.js";
import { RunningProcess } from "../process/running-process.js";
import type { ProcessResult } from "../result.js";
import { BaseRunner } from "./base-runner.js";

export abstract class ContainedRunner extends BaseRunner {
  /** True: a run's container is its own, killed when its leader exits. False: shared with a group. */
  protected abstract readonly privateContainers: boolean;

  /** The container one run goes into (it may refuse, e.g. a closed group). */
  protected abstract containerFor(spec: CommandSpec): Container | Promise<Container>;

  start(command: Command): Promise<RunningProcess> {
    return this.launch(command, false);
  }

  async output(command: Command): Promise<ProcessResult<string>> {
    return (await this.launch(command, true)).output();
  }

  async outputBytes(command: Command): Promise<ProcessResult<Uint8Array>> {
    return (await this.launch(command, true)).outputBytes();
  }

  /** @param bulk a verb that never hands out stdin: an interactive stdin is closed at once. */
  private async launch(command: Command, bulk: boolean): Promise<RunningProcess> {
    const spec = command[SPEC];
    // An already-aborted signal spawns nothing, not even a lookup of the program.
    if (spec.cancelSignal?.aborted) throw new CancelledError(spec.program, spec.cancelSignal.reason);
    const container = await this.containerFor(spec);
    let launched: Awaited<ReturnType<typeof launch>>;
    try {
      launched = await launch(spec, container);
    } catch (error) {
      container.release();
      throw error;
    }
    const owned = this.privateContainers;
    return new RunningProcess(spec, new ChildDriver(launched.child, container, { killOnRelease: owned }), {
      killTreeOnExit: owned,
      closeStdin: bulk,
    });
  }
}
