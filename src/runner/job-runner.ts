/**
 * `JobRunner`: the default runner. Every run gets a private container; when the run ends
 * (exit, timeout, cancel, error) everything still alive in it is killed before the verb
 * resolves.
 */
import type { CommandSpec } from "../command/spec.js";
import { checkOptions } from "../command/validate.js";
import type { Container, ContainmentBackend } from "../containment/container.js";
import type { Mechanism } from "../containment/mechanism.js";
import { provisionContainer } from "../containment/provision.js";
import { requestedMechanism, requestedRunMarker, resolveBackend } from "../containment/select.js";
import { ContainedRunner } from "./contained-runner.js";

export interface JobRunnerOptions {
  /** Force a containment mechanism (default: PROCESSKIT_MECHANISM, else the best the host supports). */
  mechanism?: Mechanism;
  /**
   * Under process groups, mark every child's environment (PROCESSKIT_RUN) so teardown also
   * kills descendants that left the group but kept the marker. Default true, unless
   * PROCESSKIT_RUN_MARKER=off. No effect under cgroup v2, which needs no marker.
   */
  runMarker?: boolean;
}

export class JobRunner extends ContainedRunner {
  /** @internal */
  protected readonly privateContainers = true;
  private readonly requested: Mechanism | undefined;
  private readonly runMarker: boolean | undefined;
  private backend: ContainmentBackend | undefined;
  private pending: Promise<ContainmentBackend> | undefined;

  constructor(options: JobRunnerOptions = {}) {
    super();
    checkOptions(options, "JobRunner", ["mechanism", "runMarker"]);
    this.requested = requestedMechanism(options.mechanism);
    this.runMarker = requestedRunMarker(options.runMarker);
  }

  /** The mechanism runs use: known after the first run (or `await runner.ready()`); until then the requested one. */
  get mechanism(): Mechanism | undefined {
    return this.backend?.mechanism ?? this.requested;
  }

  /** Resolves the backend (probing cgroup v2 once) and returns the mechanism that runs will use. */
  async ready(): Promise<Mechanism> {
    return (await this.resolve()).mechanism;
  }

  /** @internal A private container from this runner's backend (pipelines share one across stages). */
  async createContainer(): Promise<Container> {
    return (this.backend ?? (await this.resolve())).createContainer();
  }

  private resolve(): Promise<ContainmentBackend> | ContainmentBackend {
    if (this.backend !== undefined) return this.backend;
    this.pending ??= resolveBackend(this.requested, this.runMarker).then(
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

  /** @internal */
  protected async containerFor(spec: CommandSpec): Promise<Container> {
    return provisionContainer(this.backend ?? (await this.resolve()), {
      dropsPrivileges: spec.uid !== undefined || spec.gid !== undefined,
      privateRun: true,
      ...(this.runMarker !== undefined ? { runMarker: this.runMarker } : {}),
    });
  }
}

let shared: JobRunner | undefined;

/** The runner behind `Command`'s own verbs and the one-liners. */
export function defaultRunner(): JobRunner {
  shared ??= new JobRunner();
  return shared;
}
