/**
 * `ProcessGroup`: one shared container for several children — a runner with every verb.
 * Each run gets a nested container inside the group, so a run's own deadline or cancel kills
 * that run's subtree only, while `kill()`/`shutdown()` reach everything in the group. When a
 * run's leader exits, what it left behind stays in the group (that is what a shared group is
 * for) until the group is shut down; verbs still resolve, because a pipe held by a leftover
 * is only waited for briefly.
 */
import { type Duration, parseDuration } from "../command/duration.js";
import { parseSignal } from "../command/signals.js";
import { parseSize, type Size } from "../command/size.js";
import type { CommandSpec } from "../command/spec.js";
import { checkBoolean, checkOptions } from "../command/validate.js";
import type { Container } from "../containment/container.js";
import type { ContainerStats, Mechanism } from "../containment/mechanism.js";
import { type Limits, provisionContainer } from "../containment/provision.js";
import { requestedMechanism, requestedRunMarker, resolveBackend } from "../containment/select.js";
import { killTree, stopTree } from "../containment/stop.js";
import { InvalidInputError, UnsupportedError } from "../errors.js";
import { ContainedRunner } from "./contained-runner.js";

export interface GroupLimits {
  /** Memory ceiling for the whole group, bytes or "512M". */
  memoryMax?: Size;
  /** Most processes alive at once in the group. */
  maxProcesses?: number;
  /** CPU bandwidth in cores (0.5 = half a core). */
  cpuQuota?: number;
}

export interface ProcessGroupOptions {
  mechanism?: Mechanism;
  limits?: GroupLimits;
  /** Under process groups, mark children so teardown also kills escapees that kept the marker (default true; see JobRunnerOptions). */
  runMarker?: boolean;
}

export interface ShutdownOptions {
  /**
   * The first signal (default "SIGTERM"; the CLI passes on the SIGINT or SIGHUP it received).
   * null sends none: the members already got one from elsewhere (a terminal's Ctrl-C reaches
   * every process of its foreground group), so they only get the grace, then SIGKILL.
   */
  signal?: NodeJS.Signals | null;
  /** How long members get after the signal (default "2s"); ends early when the group is empty. */
  grace?: Duration;
  /** SIGKILL what is left after the grace (default true). */
  escalate?: boolean;
}

export interface ShutdownReport {
  /** Members alive when the shutdown began. */
  readonly membersBefore: number;
  /** True when everything exited within the grace. */
  readonly drained: boolean;
  /** True when survivors were SIGKILLed. */
  readonly escalated: boolean;
  /**
   * Members still alive at the end (only possible with `escalate: false`), or `undefined` when
   * they cannot be counted: without a usable /proc (see `membershipKnown`) a group that still
   * exists has an unknown number of live members — never reported as 0.
   */
  readonly survivors: number | undefined;
  /**
   * False where /proc cannot be read (absent, empty, hidepid; macOS, BSD): `membersBefore`
   * then counts live process groups rather than processes, and `survivors` may be undefined.
   */
  readonly membershipKnown: boolean;
  readonly elapsedMs: number;
}

export class ProcessGroup extends ContainedRunner implements AsyncDisposable {
  /** @internal */
  protected readonly privateContainers = false;
  private closed = false;

  private constructor(
    private readonly container: Container,
    readonly mechanism: Mechanism,
  ) {
    super();
  }

  /** Creates a group. Limits the host cannot enforce reject with `ResourceLimitError`. */
  static async create(options: ProcessGroupOptions = {}): Promise<ProcessGroup> {
    checkOptions(options, "ProcessGroup.create", ["mechanism", "limits", "runMarker"]);
    const limits = parseLimits(options.limits);
    const runMarker = requestedRunMarker(options.runMarker);
    const backend = await resolveBackend(requestedMechanism(options.mechanism), runMarker);
    const container = provisionContainer(backend, {
      limits,
      ...(runMarker !== undefined ? { runMarker } : {}),
    });
    return new ProcessGroup(container, backend.mechanism);
  }

  /** @internal A container nested in the group (pipelines run all their stages in one). */
  async createContainer(): Promise<Container> {
    if (this.closed) throw new UnsupportedError("start", "this ProcessGroup is closed");
    return this.container.createChild();
  }

  /** Pids alive in the group (the whole tree under cgroup v2; group members under process groups). */
  members(): Promise<number[]> {
    return this.container.members();
  }

  stats(): Promise<ContainerStats> {
    return this.container.stats();
  }

  /** Sends a signal to every member. */
  async signal(signal: NodeJS.Signals): Promise<void> {
    this.container.signal(parseSignal(signal, "signal")); // a typo rejects instead of sending nothing
  }

  /** Stops every member where it stands (cgroup.freeze, or SIGSTOP). Children started meanwhile start frozen under cgroup v2. */
  suspend(): Promise<void> {
    return this.container.freeze();
  }

  resume(): Promise<void> {
    return this.container.thaw();
  }

  /**
   * `signal` (default SIGTERM) to everyone, wait up to `grace` (ends early when empty), then
   * SIGKILL the rest unless `escalate: false`. The whole tree gets the grace: a leader that
   * exits early does not cut it short for its children.
   */
  async shutdown(options: ShutdownOptions = {}): Promise<ShutdownReport> {
    checkOptions(options, "shutdown", ["grace", "signal", "escalate"]);
    const escalate =
      options.escalate === undefined ? true : checkBoolean(options.escalate, "shutdown.escalate");
    const graceMs = parseDuration(options.grace ?? "2s", "grace");
    const signal = options.signal === null ? null : parseSignal(options.signal ?? "SIGTERM", "signal");
    const started = performance.now();
    const membersBefore = (await this.container.members()).length;
    // A frozen member cannot act on a signal: thaw first so the grace means something.
    await this.container.thaw();
    const { drained, escalated } = await stopTree(this.container, {
      signal,
      graceMs,
      escalate,
    });
    // After the SIGKILL, one more look says whether the tree is gone (stopTree waited for it).
    const gone = drained || (escalated && (await this.container.waitEmpty(0)));
    const membershipKnown = this.container.membershipKnown;
    const survivors = gone ? 0 : membershipKnown ? (await this.container.members()).length : undefined;
    return {
      membersBefore,
      drained,
      escalated,
      survivors,
      membershipKnown,
      elapsedMs: performance.now() - started,
    };
  }

  /** Kills every member at once and resolves when they are gone. Idempotent; the group stays usable. */
  kill(): Promise<void> {
    return killTree(this.container);
  }

  /** Kills everything, waits until it is gone, and frees the group. Further runs are refused. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.kill();
    this.container.release();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** @internal */
  protected containerFor(spec: CommandSpec): Container {
    if (this.closed) {
      throw new UnsupportedError("start", `${spec.program}: this ProcessGroup is closed`, spec.program);
    }
    return this.container.createChild();
  }
}

function parseLimits(limits: GroupLimits | undefined): Limits {
  if (limits === undefined) return {};
  checkOptions(limits, "limits", ["memoryMax", "maxProcesses", "cpuQuota"]);
  const out: { memoryMax?: number; maxProcesses?: number; cpuQuota?: number } = {};
  if (limits.memoryMax !== undefined) out.memoryMax = parseSize(limits.memoryMax, "limits.memoryMax");
  if (limits.maxProcesses !== undefined) {
    if (!Number.isSafeInteger(limits.maxProcesses) || limits.maxProcesses < 1) {
      throw new InvalidInputError(
        "limits.maxProcesses",
        `limits.maxProcesses: expected an integer >= 1, got ${String(limits.maxProcesses)}`,
      );
    }
    out.maxProcesses = limits.maxProcesses;
  }
  if (limits.cpuQuota !== undefined) {
    if (typeof limits.cpuQuota !== "number" || !Number.isFinite(limits.cpuQuota) || limits.cpuQuota <= 0) {
      throw new InvalidInputError(
        "limits.cpuQuota",
        `limits.cpuQuota: expected a number of cores > 0, got ${String(limits.cpuQuota)}`,
      );
    }
    out.cpuQuota = limits.cpuQuota;
  }
  return out;
}
