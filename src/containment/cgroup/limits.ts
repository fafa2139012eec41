/**
 * Resource limits through cgroup v2 controllers. A limit file exists in a cgroup only when its
 * parent enabled the controller in `cgroup.subtree_control`, and a cgroup that holds
 * processes itself can only enable controllers if it is the root ("no internal processes").
 * So we try to enable each needed controller along own → owner, then write the limit on the
 * group's cgroup; any step that fails is a `ResourceLimitError` — never a group that claims a
 * limit it does not have.
 */
import { dirname } from "node:path";
import { type LimitKind, ResourceLimitError } from "../../errors.js";
import { readControl, writeControl } from "./control-files.js";

export interface Limits {
  /** Bytes. */
  readonly memoryMax?: number | undefined;
  readonly maxProcesses?: number | undefined;
  /** CPU cores, e.g. 0.5 = half a core. */
  readonly cpuQuota?: number | undefined;
}

const CONTROLLER: Record<LimitKind, string> = { memoryMax: "memory", maxProcesses: "pids", cpuQuota: "cpu" };
const CPU_PERIOD_US = 100_000;

export function limitFiles(limits: Limits): Array<{ kind: LimitKind; file: string; value: string }> {
  const out: Array<{ kind: LimitKind; file: string; value: string }> = [];
  if (limits.memoryMax !== undefined)
    out.push({ kind: "memoryMax", file: "memory.max", value: String(limits.memoryMax) });
  if (limits.maxProcesses !== undefined)
    out.push({ kind: "maxProcesses", file: "pids.max", value: String(limits.maxProcesses) });
  if (limits.cpuQuota !== undefined) {
    out.push({
      kind: "cpuQuota",
      file: "cpu.max",
      value: `${Math.max(1_000, Math.round(limits.cpuQuota * CPU_PERIOD_US))} ${CPU_PERIOD_US}`,
    });
  }
  return out;
}

/** Applies limits to `groupDir` (a child of the owner cgroup) or throws ResourceLimitError. */
export function applyLimits(groupDir: string, limits: Limits): void {
  const ownerDir = dirname(groupDir);
  const ownDir = dirname(ownerDir);
  for (const { kind, file, value } of limitFiles(limits)) {
    const controller = CONTROLLER[kind];
    const available = (readControl(ownDir, "cgroup.controllers") ?? "").split(/\s+/).includes(controller);
    if (!available) {
      throw new ResourceLimitError(
        kind,
        `the ${controller} controller is not available in our cgroup ${ownDir} (hybrid or restricted host)`,
      );
    }
    for (const dir of [ownDir, ownerDir]) {
      const enabled = (readControl(dir, "cgroup.subtree_control") ?? "").split(/\s+/).includes(controller);
      if (!enabled && !writeControl(dir, "cgroup.subtree_control", `+${controller}`)) {
        throw new ResourceLimitError(
          kind,
          `cannot enable the ${controller} controller below ${dir} (not delegated, or the cgroup holds processes itself)`,
        );
      }
    }
    if (!writeControl(groupDir, file, value)) {
      throw new ResourceLimitError(kind, `cannot write ${file} in ${groupDir}`);
    }
  }
}

/** Spawn-free prediction of which limits `applyLimits` could enforce under `ownDir`. */
export function enforceableLimits(ownDir: string): Record<LimitKind, boolean> {
  const controllers = (readControl(ownDir, "cgroup.controllers") ?? "").split(/\s+/);
  const subtree = (readControl(ownDir, "cgroup.subtree_control") ?? "").split(/\s+/);
  // Enabling a controller works where it is already on, or where we are the hierarchy root.
  const isRoot = readControl(ownDir, "cgroup.events") === undefined;
  const can = (c: string) => controllers.includes(c) && (subtree.includes(c) || isRoot);
  return { memoryMax: can("memory"), maxProcesses: can("pids"), cpuQuota: can("cpu") };
}
