/**
 * `hostContainment()`: a spawn-free report of what containment this host gives us — the
 * mechanism the default runner would use, where our cgroups go, what survives the owner's
 * death, and which limits are enforceable — with the reasons behind each downgrade.
 */
import { accessSync, constants } from "node:fs";
import type { LimitKind } from "../errors.js";
import { bornInCgroup, pid1Status, spawnPath } from "../process/native/spawn-path.js";
import { CgroupBackend } from "./cgroup/backend.js";
import { enforceableLimits } from "./cgroup/limits.js";
import { locateCgroup } from "./cgroup/locate.js";
import type { Mechanism } from "./mechanism.js";
import { requestedMechanism } from "./select.js";

/** What an owner's abrupt death takes down (see `HostContainment.parentDeath`). */
export type ParentDeath =
  | "whole-tree"
  | "process-group"
  | "none"
  /** @deprecated Renamed "process-group" (never reported; accepted in the type until the next release). */
  | "direct-child";

export interface HostContainment {
  readonly mechanism: Mechanism;
  /** The cgroup our owner cgroups are created in (cgroup v2 only). */
  readonly cgroupPath?: string;
  /**
   * What is torn down if this process dies abruptly (even SIGKILL):
   * "whole-tree" — every descendant (cgroup v2 + sentinel);
   * "process-group" — every registered process group, but not descendants that left theirs with setsid;
   * "none" — only orderly exits are covered (no /bin/sh for the sentinel).
   * "direct-child" is the 0.1.0 name of "process-group": still in the type for one release so
   * comparisons against it compile, never reported.
   */
  readonly parentDeath: ParentDeath;
  readonly limits: Readonly<Record<LimitKind, boolean>>;
  /** "native": the clone3 core spawns (no launcher, cost flat in our memory); "node": Node's spawn. */
  readonly spawn: "native" | "node";
  /** Why that spawn is the one in use (a fallback names its cause). */
  readonly spawnReason: string;
  /** We are PID 1 of our PID namespace: orphans are re-parented to us (reaped when the native core runs). */
  readonly pid1: boolean;
  readonly reasons: readonly string[];
}

export function hostContainment(): HostContainment {
  const reasons: string[] = [];
  const forced = requestedMechanism(undefined);
  const located = locateCgroup();
  const probed = CgroupBackend.settled();
  let mechanism: Mechanism = "process-group";
  if (forced === "process-group") {
    reasons.push("process groups forced by PROCESSKIT_MECHANISM");
  } else if (!located.ok) {
    reasons.push(`cgroup v2 unusable: ${located.reason}`);
  } else if (probed instanceof Error) {
    reasons.push(`cgroup v2 unusable: ${probed.message}`);
  } else {
    mechanism = "cgroup-v2";
    if (probed === undefined)
      reasons.push("cgroup v2 located and writable; migration is probed at the first run");
  }
  if (forced === "cgroup-v2" && mechanism !== "cgroup-v2") {
    // A forced mechanism is never downgraded: runs will fail rather than use process groups.
    reasons.push(
      "PROCESSKIT_MECHANISM forces cgroup-v2, which is unusable here: runs fail with UnsupportedError",
    );
  }
  if (mechanism === "process-group")
    reasons.push("process groups: a descendant that calls setsid() escapes teardown");

  let sentinel = true;
  try {
    accessSync("/bin/sh", constants.X_OK);
  } catch {
    sentinel = false;
    reasons.push("no /bin/sh: no owner-death sentinel, only orderly exits are covered");
  }
  const parentDeath: ParentDeath = !sentinel
    ? "none"
    : mechanism === "cgroup-v2"
      ? "whole-tree"
      : "process-group";

  const limits: Record<LimitKind, boolean> =
    mechanism === "cgroup-v2" && located.ok
      ? enforceableLimits(located.path)
      : { memoryMax: false, maxProcesses: false, cpuQuota: false };
  const missing = (Object.keys(limits) as LimitKind[]).filter((k) => !limits[k]);
  if (missing.length > 0) reasons.push(`limits not enforceable here: ${missing.join(", ")}`);
  // Only a migration (a cgroup.procs write) waits for the grace period; a child born in its cgroup does not.
  if (mechanism === "cgroup-v2" && located.ok && !located.mount.favorDynmods && !bornInCgroup()) {
    reasons.push(
      "cgroup2 is not mounted with favordynmods: a run that follows a quiet spell waits for an RCU grace period (~10 ms) to join its cgroup",
    );
  }

  const spawn = spawnPath();
  const { pid1, reaper } = pid1Status();
  if (pid1) {
    reasons.push(
      reaper
        ? "PID 1 of this PID namespace: orphaned zombies are reaped by the native core"
        : "PID 1 of this PID namespace without the native core: orphaned zombies are not reaped (run with --init)",
    );
  }

  return {
    mechanism,
    ...(mechanism === "cgroup-v2" && located.ok ? { cgroupPath: located.path } : {}),
    parentDeath,
    limits,
    spawn: spawn.spawn,
    spawnReason: spawn.reason,
    pid1,
    reasons,
  };
}
