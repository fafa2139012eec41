/**
 * Mechanism policy, decided here and nowhere else: runners say what a container must offer
 * (limits, a uid/gid drop) and get one back; which mechanism and how is containment's business.
 */
import { ResourceLimitError } from "../errors.js";
import { nativeSpawnInUse } from "../process/native/spawn-path.js";
import { CgroupBackend } from "./cgroup/backend.js";
import { CgroupContainer } from "./cgroup/container.js";
import { applyLimits, type Limits } from "./cgroup/limits.js";
import type { Container, ContainmentBackend } from "./container.js";
import { findSetpriv } from "./launcher.js";
import { processGroupsWith } from "./select.js";

export type { Limits };

export interface ContainerRequest {
  /** Limits the container must enforce; a host that cannot is a `ResourceLimitError`, never ignored. */
  readonly limits?: Limits;
  /** The run drops to another uid/gid. */
  readonly dropsPrivileges?: boolean;
  /**
   * A private run's container (JobRunner): it may reuse the empty cgroup of a finished private
   * run. Such containers never read accounting nor carry limits, so nothing carries over.
   */
  readonly privateRun?: boolean;
  /** Under process groups, mark the children (undefined: PROCESSKIT_RUN_MARKER decides). */
  readonly runMarker?: boolean;
}

export function provisionContainer(backend: ContainmentBackend, request: ContainerRequest = {}): Container {
  // A uid/gid drop inside a cgroup needs setpriv on the pure path (join first, drop after; the
  // native core drops in the child after it was born in the cgroup). Without it that run uses
  // a process group instead — visible as `proc.mechanism`, never an uncontained child.
  const limits = request.limits ?? {};
  const asked = (Object.keys(limits) as Array<keyof Limits>).filter((k) => limits[k] !== undefined);
  const container =
    request.dropsPrivileges === true &&
    backend.mechanism === "cgroup-v2" &&
    findSetpriv() === null &&
    !nativeSpawnInUse()
      ? processGroupsWith(request.runMarker).createContainer()
      : request.privateRun === true && asked.length === 0 && backend instanceof CgroupBackend
        ? backend.createRunContainer()
        : backend.createContainer();
  if (asked.length === 0) return container;
  try {
    if (!(container instanceof CgroupContainer)) {
      throw new ResourceLimitError(
        asked[0] as keyof Limits,
        "limits need cgroup v2 containment; this group uses process groups",
      );
    }
    applyLimits(container.dir, limits);
  } catch (error) {
    container.release();
    throw error;
  }
  return container;
}
