/** What locating our cgroup found (locate.ts), or why it could not be used — shared by locate.ts and usable-dir.ts. */

export interface CgroupMount {
  /** Where the cgroup2 hierarchy is mounted. */
  readonly mountPoint: string;
  /** The hierarchy path that the mount shows as its root ("/" unless namespaced or bind-mounted). */
  readonly root: string;
  readonly readOnly: boolean;
  /**
   * Mounted with `favordynmods` (kernel ≥ 6.1): migrating a process into a cgroup no longer
   * waits for an RCU grace period, which otherwise costs sporadic runs ~10 ms each.
   */
  readonly favorDynmods: boolean;
}

export type Located =
  | {
      readonly ok: true;
      /** The directory owner cgroups go in: our own cgroup, or a delegated ancestor of it. */
      readonly path: string;
      readonly mount: CgroupMount;
      /** `path` as the hierarchy names it (what /proc/<pid>/cgroup shows for a process in it). */
      readonly hierarchyPath: string;
      /** Our own cgroup as the hierarchy names it. */
      readonly own: string;
      /** Set when `path` is a delegated ancestor: why our own cgroup could not be used. */
      readonly delegatedFrom?: string;
    }
  | {
      readonly ok: false;
      readonly reason: string;
      readonly kind: Refusal;
      /** The mount point or directory the refusal is about, when there is one. */
      readonly where?: string;
    };

/** Why cgroup v2 cannot be used, as a kind the advice (advice.ts) can act on. */
export type Refusal =
  | "not-linux"
  | "no-proc"
  | "no-cgroup2"
  | "hidden"
  | "read-only"
  | "no-membership"
  | "outside-view"
  | "not-cgroup2"
  | "not-delegated"
  | "partly-delegated"
  | "probe-failed";
