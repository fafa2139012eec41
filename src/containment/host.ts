/**
 * `hostContainment()`: what containment runs on this host get — the mechanism the default
 * runner uses, where our cgroups go, what survives the owner's death, which limits are
 * enforceable — with one true reason behind each downgrade and advice on how to get more.
 *
 * Its answer is the one runs get: cgroup v2 is reported only once proven (statfs, then one
 * real launch whose own /proc/<pid>/cgroup shows the target). If no run has proven it yet,
 * this call runs that probe itself, synchronously (one `spawnSync` of /bin/sh, a few ms, once
 * per event loop); runs then reuse the verdict.
 */
import { accessSync, constants } from "node:fs";
import type { LimitKind } from "../errors.js";
import { bornInCgroup, pid1Status, spawnPath } from "../process/native/spawn-path.js";
import { adviceFor } from "./advice.js";
import { CgroupBackend, CgroupUnavailable } from "./cgroup/backend.js";
import { enforceableLimits } from "./cgroup/limits.js";
import type { Refusal } from "./cgroup/locate.js";
import type { Mechanism } from "./mechanism.js";
import { markerAllowedByEnv, RUN_MARKER, RUN_MARKER_SWITCH } from "./pgroup/run-marker.js";
import { procAccess } from "./proc-usable.js";
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
   * "process-group" — each run's process group, plus descendants that left it but kept the
   *   run marker (PROCESSKIT_RUN) in their environment;
   * "direct-child" — the 0.1.0 name of "process-group" (no longer reported; kept in the type
   *   for one release so code comparing against it still compiles);
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
  /** Concrete steps that would give this host more containment (empty when nothing is missing). */
  readonly advice: readonly string[];
  /** Under process groups: whether children carry the run marker and escapees are looked for. */
  readonly runMarker: boolean;
}

export function hostContainment(): HostContainment {
  const reasons: string[] = [];
  const forced = requestedMechanism(undefined);
  const proc = procAccess();
  let mechanism: Mechanism = "process-group";
  let backend: CgroupBackend | undefined;
  let refusal: Refusal | undefined;
  let where: string | undefined;
  if (forced === "process-group") {
    reasons.push("process groups forced by PROCESSKIT_MECHANISM");
  } else {
    const verdict = CgroupBackend.settleNow();
    if (verdict instanceof Error) {
      reasons.push(`cgroup v2 unusable: ${verdict.message}`);
      refusal = verdict instanceof CgroupUnavailable ? verdict.kind : undefined;
      where = verdict instanceof CgroupUnavailable ? verdict.where : undefined;
    } else {
      mechanism = "cgroup-v2";
      backend = verdict;
      if (verdict.located?.delegatedFrom !== undefined) {
        reasons.push(`using the delegated cgroup ${verdict.located.path}: ${verdict.located.delegatedFrom}`);
      }
    }
  }
  if (forced === "cgroup-v2" && mechanism !== "cgroup-v2") {
    // A forced mechanism is never downgraded: runs will fail rather than use process groups.
    reasons.push(
      "PROCESSKIT_MECHANISM forces cgroup-v2, which is unusable here: runs fail with UnsupportedError",
    );
  }

  let runMarker = false;
  if (mechanism === "process-group") {
    runMarker = markerAllowedByEnv();
    if (!proc.usable && proc.ownProcessesVisible) {
      reasons.push(
        `process groups with ${proc.reason}: membership is judged by kill(-pgid, 0), so a grace always runs its full length; descendants that left the group are still found by the run marker among this user's processes`,
      );
    } else if (!proc.usable) {
      reasons.push(
        `process groups without a usable /proc (${proc.reason}): a descendant that calls setsid() escapes teardown, and membership is judged by kill(-pgid, 0), so a grace always runs its full length`,
      );
    } else if (runMarker) {
      reasons.push(
        `process groups: a descendant that calls setsid() leaves the group; it is still killed at teardown and on owner death if it kept ${RUN_MARKER} in its environment (one that clears its environment or runs as another user escapes)`,
      );
    } else {
      reasons.push(
        `process groups with the run marker off (${RUN_MARKER_SWITCH} or runMarker: false): a descendant that calls setsid() escapes teardown`,
      );
    }
  }

  let sentinel = true;
  try {
    accessSync("/bin/sh", constants.X_OK);
  } catch {
    sentinel = false;
    reasons.push("no /bin/sh: no owner-death sentinel, only orderly exits are covered");
  }
  const { pid1, reaper } = pid1Status();
  // PID 1's death ends its PID namespace: the kernel kills every process in it, whatever the mechanism.
  let parentDeath: ParentDeath;
  if (pid1) parentDeath = "whole-tree";
  else if (!sentinel) parentDeath = "none";
  else parentDeath = mechanism === "cgroup-v2" ? "whole-tree" : "process-group";

  const cgroupPath = backend?.located?.path;
  const limits: Record<LimitKind, boolean> =
    cgroupPath !== undefined
      ? enforceableLimits(cgroupPath)
      : { memoryMax: false, maxProcesses: false, cpuQuota: false };
  const missing = (Object.keys(limits) as LimitKind[]).filter((k) => !limits[k]);
  if (missing.length > 0) reasons.push(`limits not enforceable here: ${missing.join(", ")}`);
  // Only a migration (a cgroup.procs write) waits for the grace period; a child born in its cgroup does not.
  if (backend?.located !== undefined && !backend.located.mount.favorDynmods && !bornInCgroup()) {
    reasons.push(
      "cgroup2 is not mounted with favordynmods: a run that follows a quiet spell waits for an RCU grace period (~10 ms) to join its cgroup",
    );
  }

  const spawn = spawnPath();
  if (pid1) {
    reasons.push(
      `Node is PID 1 of its PID namespace: orphaned grandchildren become its children, and killed ones stay zombies unless reaped (zombie reaper: ${reaper ? "the native core reaps them" : "unavailable (native core not loaded)"})`,
      "as PID 1, its death ends the PID namespace and the kernel kills every process in it; an orderly exit removes the owner cgroup and scratch directory itself, but after a SIGKILL nothing is left to remove them",
    );
  }

  return {
    mechanism,
    ...(cgroupPath !== undefined ? { cgroupPath } : {}),
    parentDeath,
    limits,
    spawn: spawn.spawn,
    spawnReason: spawn.reason,
    pid1,
    reasons,
    advice: adviceFor({ refusal, where, procProblem: !proc.usable, pid1, reaper }),
    runMarker,
  };
}

/** Where the cgroup2 hierarchy is, as `processkit doctor` prints it: the CLI never reads cgroupfs itself. */
export { locateCgroup as cgroupLocation } from "./cgroup/locate.js";
