/**
 * The containment seam. A *container* is a set of processes that are torn down together;
 * a *backend* makes containers with one mechanism (cgroup v2, process groups). Nothing
 * outside this folder touches /proc, /sys/fs/cgroup or process groups.
 */
import type { SpawnOptions } from "node:child_process";

export type Mechanism = "cgroup-v2" | "process-group";

/** A spawn, rewritten so that the child is inside its container before its first instruction. */
export interface SpawnPlan {
  readonly file: string;
  readonly args: readonly string[];
  readonly options: SpawnOptions;
}

export interface Container {
  readonly mechanism: Mechanism;
  /** Rewrites a spawn of `file args…` so the child joins this container. */
  plan(file: string, args: readonly string[], options: SpawnOptions): SpawnPlan;
  /** Records a leader that was spawned from a plan of this container. */
  adopt(pid: number): void;
  /** Sends a signal to every live member (ESRCH ignored). */
  signal(signal: NodeJS.Signals): void;
  /** Issues SIGKILL to every member. Synchronous: death follows within the kernel's time. */
  kill(): void;
  /** Resolves true as soon as no live member is left, false if `withinMs` passed first. */
  waitEmpty(withinMs: number): Promise<boolean>;
  /** Members still alive, leaders or whole tree depending on the mechanism. */
  members(): Promise<number[]>;
  /** Kills whatever is left and frees the container's resources. Idempotent. */
  release(): void;
}

export interface ContainmentBackend {
  readonly mechanism: Mechanism;
  createContainer(): Container;
}
