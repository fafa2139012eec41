/**
 * `JobRunner`: the default runner. Every run gets a private container; when the run ends
 * (exit, timeout, cancel, error) everything still alive in it is killed before the verb
 * resolves.
 */
import type { Command } from "../command/command.js";
import { type CommandSpec, SPEC } from "../command/spec.js";
import { findSetpriv } from "../containment/cgroup/launcher.js";
import type { Container, ContainmentBackend, Mechanism } from "../containment/container.js";
import { processGroupBackend, requestedMechanism, resolveBackend } from "../containment/select.js";
import { CancelledError } from "../errors.js";
import { ChildDriver } from "../process/driver.js";
import { launch } from "../process/launch.js";
import { RunningProcess } from "../process/running-process.js";
import type { ProcessResult } from "../result.js";
import { BaseRunner } from "./base-runner.js";

export interface JobRunnerOptions {
  /** Force a containment mechanism (default: PROCESSKIT_MECHANISM, else the best the host supports). */
  mechanism?: Mechanism;
}

export class JobRunner extends BaseRunner {
  private readonly requested: Mechanism | undefined;
  private backend: ContainmentBackend | undefined;
  private pending: Promise<ContainmentBackend> | undefined;

  constructor(options: JobRunnerOptions = {}) {
    super();
    this.requested = requestedMechanism(options.mechanism);
  }

  /** The mechanism runs use: known after the first run (or `await runner.ready()`); until then the requested one. */
  get mechanism(): Mechanism | undefined {
    return this.backend?.mechanism ?? this.requested;
  }

  /** Resolves the backend (probing cgroup v2 once) and returns the mechanism that runs will use. */
  async ready(): Promise<Mechanism> {
    return (await this.resolve()).mechanism;
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

  /** @internal A private container from this runner's backend (pipelines share one across stages). */
  async createContainer(): Promise<Container> {
    return (this.backend ?? (await this.resolve())).createContainer();
  }

  private resolve(): Promise<ContainmentBackend> | ContainmentBackend {
    if (this.backend !== undefined) return this.backend;
    this.pending ??= resolveBackend(this.requested).then(
      (backend) => {
        this.backend = backend;
        return backend;
      },
      (error: unknown) => {
        this.pending = undefined; // a forced mechanism that failed may be retried later
        throw error;
      },
    );
    return this.pending;
  }

  private async launch(command: Command, bulk: boolean): Promise<RunningProcess> {
    const spec = command[SPEC];
    // An already-aborted signal spawns nothing, not even a lookup of the program.
    if (spec.cancelSignal?.aborted) throw new CancelledError(spec.program, spec.cancelSignal.reason);
    const backend = this.backend ?? (await this.resolve());
    const container = containerFor(backend, spec);
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

/**
 * A uid/gid drop inside a cgroup needs setpriv (join first, drop after). Without it that run
 * uses a process group instead — visible as `proc.mechanism`, never an uncontained child.
 */
function containerFor(backend: ContainmentBackend, spec: CommandSpec): Container {
  if (
    backend.mechanism === "cgroup-v2" &&
    (spec.uid !== undefined || spec.gid !== undefined) &&
    findSetpriv() === null
  ) {
    return processGroupBackend.createContainer();
  }
  return backend.createContainer();
}

let shared: JobRunner | undefined;

/** The runner behind `Command`'s own verbs and the one-liners. */
export function defaultRunner(): JobRunner {
  shared ??= new JobRunner();
  return shared;
}
