/**
 * The containment seam. A *container* is a set of processes that are torn down together;
 * containers nest (a `ProcessGroup` is a container, each run inside it a child container),
 * and killing a container kills everything nested in it. A *backend* makes top-level
 * containers with one mechanism. Nothing outside this folder touches /proc,
 * /sys/fs/cgroup or process groups.
 */
import type { SpawnOptions } from "node:child_process";
import type { ContainerStats, Mechanism } from "./mechanism.js";
import type { StoppableTree } from "./stop.js";

export type { ContainerStats, Mechanism };

/** A spawn, rewritten so that the child is inside its container before its first instruction. */
export interface SpawnPlan {
  readonly file: string;
  readonly args: readonly string[];
  readonly options: SpawnOptions;
  /**
   * The fd of the launch gate (gate.ts) when the plan has one: the spawner calls `openGate`
   * right after `adopt()`, and the target runs only then.
   */
  readonly gate?: number;
}

/**
 * Where a child spawned by the native core goes, which it enters itself between clone3 and
 * exec (no launcher): born in a cgroup directory, or leader of a new session and group.
 */
export type Placement =
  | { readonly kind: "cgroup"; readonly dir: string }
  /** `ledgerFd`: the owner's group ledger, where the child registers its group itself before exec. */
  | { readonly kind: "new-session"; readonly ledgerFd?: number };

export interface Container extends StoppableTree {
  readonly mechanism: Mechanism;
  /** Rewrites a spawn of `file args…` so the child joins this container. */
  plan(file: string, args: readonly string[], options: SpawnOptions): SpawnPlan;
  /** Where a natively spawned leader goes (the native path's counterpart of `plan`). */
  placement(): Placement;
  /**
   * What a natively spawned leader gets on top of the environment it would get otherwise (the
   * native path's counterpart of what `plan` does to `options.env`): nothing under cgroup v2,
   * the run marker under process groups. Additions, not a new environment: the native spawn
   * writes them while it reads `env` once (a copy of process.env costs ~25 µs).
   */
  environmentAdditions(env: NodeJS.ProcessEnv): Readonly<Record<string, string>> | undefined;
  /** Records a leader that was spawned from a plan (or the placement) of this container. */
  adopt(pid: number): void;
  /** The leader was reaped: its pid is no longer ours and may be reused from now on. */
  reaped(pid: number): void;
  // signal(), kill() (synchronous: death follows within the kernel's time) and waitEmpty():
  // see StoppableTree in stop.ts.
  /** Pids of live members. */
  members(): Promise<number[]>;
  /**
   * False when members cannot be listed as processes (process groups without a usable /proc):
   * `members()` then lists each live group by its pgid, and "empty" means every group is gone.
   */
  readonly membershipKnown: boolean;
  stats(): Promise<ContainerStats>;
  /** Stops every member where it stands (cgroup.freeze, or SIGSTOP to each group). */
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  /** A nested container: killed with this one, and separately killable. */
  createChild(): Container;
  /**
   * Frees the container. By default kills what is left first; with `{ kill: false }`
   * leftovers stay alive and belong to the parent container until it is torn down.
   */
  release(options?: { kill?: boolean }): void;
}

export interface ContainmentBackend {
  readonly mechanism: Mechanism;
  createContainer(): Container;
}
