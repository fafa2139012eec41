/**
 * The runners that spawn real children: each run gets a container from `containerFor()`, is
 * launched into it and driven by a `RunningProcess`. `JobRunner` hands out private
 * containers (leftovers die with the leader); `ProcessGroup` nested ones inside the group
 * (leftovers stay in the group until it is shut down).
 */
import type { Command } from "../command/command.js";
import { type CommandSpec, SPEC } from "../command/spec.js";
import type { Container } from "../containment/container.js";
import { spawnInto } from "../process/launch.js";
import type { RunningProcess } from "../process/running-process.js";
import { startRun } from "../process/start.js";
import type { ProcessResult } from "../result.js";
import { BaseRunner } from "./base-runner.js";

export abstract class ContainedRunner extends BaseRunner {
  /** True: a run's container is its own, killed when its leader exits. False: shared with a group. */
  /** @internal */
  protected abstract readonly privateContainers: boolean;

  /** The container one run goes into (it may refuse, e.g. a closed group). */
  /** @internal */
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
  private launch(command: Command, bulk: boolean): Promise<RunningProcess> {
    const spec = command[SPEC];
    const owned = this.privateContainers;
    return startRun(
      spec,
      async () => spawnInto(spec, await this.containerFor(spec), { killOnRelease: owned }),
      { killTreeOnExit: owned, closeStdin: bulk },
    );
  }
}
