/**
 * Which spawn this process uses — the native core (clone3 + pidfd) or Node's own spawn with
 * the /bin/sh launcher — and the true reason. Decided without spawning: the addon loads, and
 * the kernel answers a clone3 that cannot create a child (EINVAL means the call exists;
 * seccomp filters answer ENOSYS or EPERM). A refusal seen later at a real spawn switches
 * this process to the pure path for good, with that reason.
 *
 * `PROCESSKIT_SPAWN=native|node` forces a path. Forced native without a usable core is not
 * downgraded: spawns fail with `UnsupportedError` naming the reason.
 */
import { constants } from "node:os";
import { isMainThread } from "node:worker_threads";
import { InvalidInputError, UnsupportedError } from "../../errors.js";
import { loadAddon, type NativeAddon } from "./addon.js";

export type SpawnKind = "native" | "node";

export interface SpawnPath {
  readonly spawn: SpawnKind;
  readonly reason: string;
}

let refusedAtSpawn: string | undefined;
let probed: { addon: NativeAddon } | { reason: string } | undefined;
let reaperStarted = false;

export function errnoName(errno: number): string {
  for (const [name, value] of Object.entries(constants.errno)) if (value === errno) return name;
  return `errno ${errno}`;
}

function forcedPath(): SpawnKind | undefined {
  const value = process.env.PROCESSKIT_SPAWN;
  if (value === undefined || value === "") return undefined;
  if (value !== "native" && value !== "node") {
    throw new InvalidInputError(
      "PROCESSKIT_SPAWN",
      `PROCESSKIT_SPAWN: expected "native" or "node", got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** The addon when it loaded and the kernel lets clone3 through, else why not. */
function usableCore(): { addon: NativeAddon } | { reason: string } {
  if (refusedAtSpawn !== undefined) return { reason: refusedAtSpawn };
  if (probed !== undefined) return probed;
  const load = loadAddon();
  if (!load.ok) {
    probed = { reason: load.reason };
  } else if (process.arch !== "x64") {
    probed = { reason: `the native spawn is implemented for x64 only (this is ${process.arch})` };
  } else {
    const { clone3 } = load.addon.probe();
    probed =
      clone3 === 0
        ? { addon: load.addon }
        : { reason: `the kernel refuses clone3 (${errnoName(clone3)}: kernel < 5.3 or a seccomp filter)` };
  }
  if ("addon" in probed) startPid1Reaper(probed.addon);
  return probed;
}

/** A container without --init makes us PID 1: orphans become ours to reap. */
function startPid1Reaper(addon: NativeAddon): void {
  if (reaperStarted || process.pid !== 1 || !isMainThread) return;
  reaperStarted = addon.startReaper() === 0;
}

let probedIntoCgroup: number | undefined;

/** errno of the kernel's refusal of CLONE_INTO_CGROUP (seen at a spawn, else probed once), or 0. */
function intoCgroupRefusal(addon: NativeAddon): number {
  probedIntoCgroup ??= addon.probe().intoCgroup;
  return addon.intoCgroupRefused() || probedIntoCgroup;
}

/** True when spawns are native and children are born in their cgroup: no cgroup.procs write, no RCU wait. */
export function bornInCgroup(): boolean {
  if (forcedPath() === "node") return false;
  const core = usableCore();
  return "addon" in core && intoCgroupRefusal(core.addon) === 0;
}

/** How cgroups are entered on the native path, for the report. */
function cgroupJoinText(addon: NativeAddon): string {
  const refused = intoCgroupRefusal(addon);
  return refused === 0
    ? "children are born in their cgroup (CLONE_INTO_CGROUP)"
    : `the kernel refuses CLONE_INTO_CGROUP (${errnoName(refused)}): children join their cgroup by writing cgroup.procs before exec`;
}

export function spawnPath(): SpawnPath {
  const forced = forcedPath();
  if (forced === "node") return { spawn: "node", reason: "Node's spawn, forced by PROCESSKIT_SPAWN=node" };
  const core = usableCore();
  if ("reason" in core) {
    return {
      spawn: "node",
      reason:
        forced === "native"
          ? `PROCESSKIT_SPAWN=native, but ${core.reason}: runs fail with UnsupportedError`
          : `Node's spawn: ${core.reason}`,
    };
  }
  return {
    spawn: "native",
    reason: `clone3 with a vfork on its own stack, exit through a pidfd; ${cgroupJoinText(core.addon)}${forced === "native" ? "; forced by PROCESSKIT_SPAWN=native" : ""}`,
  };
}

/** The addon to spawn with, undefined for the pure path; throws when native is forced but unusable. */
export function nativeSpawner(): NativeAddon | undefined {
  const forced = forcedPath();
  if (forced === "node") return undefined;
  const core = usableCore();
  if ("addon" in core) return core.addon;
  if (forced === "native") throw new UnsupportedError("spawn", `PROCESSKIT_SPAWN=native, but ${core.reason}`);
  return undefined;
}

/** True when spawns go through the native core now (a bad PROCESSKIT_SPAWN counts as no: runs report it). */
export function nativeSpawnInUse(): boolean {
  try {
    return nativeSpawner() !== undefined;
  } catch {
    return false;
  }
}

/** clone3 itself was refused at a real spawn (a filter the probe did not trip): pure path from now on. */
export function refuseNative(errno: number): void {
  refusedAtSpawn = `the kernel refused clone3 at a spawn (${errnoName(errno)})`;
}

/** Whether we are PID 1 of our PID namespace, and whether orphans are reaped (part of the native core). */
export function pid1Status(): { readonly pid1: boolean; readonly reaper: boolean } {
  if (process.pid === 1 && forcedPath() !== "node") usableCore();
  return { pid1: process.pid === 1, reaper: reaperStarted };
}
