/**
 * Is the cgroup directory mountinfo pointed us at really usable? Three checks, each with the
 * reason it fails in words a user can act on:
 * - it is cgroup2 (statfs, not just mountinfo: an overmounted cgroup2 still shows up there);
 * - we may create cgroups in it (EROFS: a read-only mount; EACCES: not delegated to us);
 * - we may move processes through it: migration needs write access to `cgroup.procs` of the
 *   common ancestor of the source and the target cgroup, which is this directory. A directory
 *   that was chowned without its `cgroup.procs` is a partial delegation: mkdir works, every
 *   join fails.
 * When our own cgroup fails only for permission, an ancestor delegated to us (systemd's
 * `user@UID.service`, a scope started with `Delegate=yes`) works just as well: it is the
 * common ancestor then.
 */
import { accessSync, constants, statfsSync } from "node:fs";
import { dirname } from "node:path";
import type { Located, Refusal } from "./located.js";

/** CGROUP2_SUPER_MAGIC from linux/magic.h. */
export const CGROUP2_SUPER_MAGIC = 0x63677270;

const NAMES = new Map<number, string>([
  [0x01021994, "tmpfs"],
  [0x27e0eb, "cgroup (v1)"],
  [0x62656572, "sysfs"],
  [0x794c7630, "overlayfs"],
  [0xef53, "ext4"],
]);

export function fsTypeName(type: number): string {
  return NAMES.get(type) ?? `type 0x${type.toString(16)}`;
}

/** True when `path` is on cgroup2 right now, else what statfs found there. */
export function cgroup2At(path: string): string | true {
  let type: number;
  try {
    type = statfsSync(path).type;
  } catch (error) {
    return `statfs(${path}) failed (${(error as NodeJS.ErrnoException).code ?? "error"})`;
  }
  return type === CGROUP2_SUPER_MAGIC ? true : `statfs sees ${fsTypeName(type)} at ${path}, not cgroup2`;
}

type Access = "ok" | "read-only" | "denied" | "missing";

function access(path: string): Access {
  try {
    accessSync(path, constants.W_OK);
    return "ok";
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "EROFS" ? "read-only" : code === "ENOENT" ? "missing" : "denied";
  }
}

/** Why `dir` cannot hold our owner cgroup, or undefined when it can. */
function refusal(dir: string): { reason: string; kind: Refusal; where: string } | undefined {
  const fs = cgroup2At(dir);
  if (fs !== true)
    return { reason: `our cgroup directory is not on cgroup2: ${fs}`, kind: "not-cgroup2", where: dir };
  const uid = process.getuid?.() ?? -1;
  const who = uid === 0 ? "root" : `uid ${uid}`;
  switch (access(dir)) {
    case "read-only":
      return { reason: `our cgroup ${dir} is on a read-only mount (EROFS)`, kind: "read-only", where: dir };
    case "missing":
      return {
        reason: `our cgroup ${dir} does not exist in the mounted hierarchy`,
        kind: "outside-view",
        where: dir,
      };
    case "denied":
      return {
        reason: `our cgroup ${dir} is not writable by ${who} (it is not delegated to us)`,
        kind: "not-delegated",
        where: dir,
      };
    case "ok":
      break;
  }
  if (access(`${dir}/cgroup.procs`) !== "ok") {
    return {
      reason: `our cgroup ${dir} is only partly delegated: the directory is writable by ${who} but its cgroup.procs is not, so no process can be moved (a delegation must chown cgroup.procs, cgroup.threads and cgroup.subtree_control too)`,
      kind: "partly-delegated",
      where: dir,
    };
  }
  return undefined;
}

/** Checks the located directory; on a permission failure, looks for a delegated ancestor. */
export function usableDir(located: Located & { ok: true }): Located {
  const refused = refusal(located.path);
  if (refused === undefined) return located;
  if (refused.kind === "read-only") return { ok: false, ...refused, where: located.mount.mountPoint };
  if (refused.kind !== "not-delegated" && refused.kind !== "partly-delegated")
    return { ok: false, ...refused };
  const top = located.mount.mountPoint.replace(/\/$/, "") || "/";
  let dir = located.path;
  let hierarchy = located.hierarchyPath;
  while (dir !== top && dir.startsWith(`${top}/`)) {
    dir = dirname(dir);
    hierarchy = dirname(hierarchy);
    if (refusal(dir) === undefined) {
      return { ...located, path: dir, hierarchyPath: hierarchy, delegatedFrom: refused.reason };
    }
  }
  return { ok: false, ...refused };
}
