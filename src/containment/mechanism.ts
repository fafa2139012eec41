/** The public vocabulary of containment: which mechanism holds a tree, and what it can tell about it. */

export type Mechanism = "cgroup-v2" | "process-group";

export interface ContainerStats {
  /** Live processes in the container (whole tree under cgroup v2; group members under process groups). */
  readonly processes: number;
  /** CPU time used by the container's processes so far, where the host accounts it. */
  readonly cpuTimeMs: number | undefined;
  /** Peak memory of the container, where the host exposes it (cgroup v2 memory controller). */
  readonly peakMemoryBytes: number | undefined;
}
