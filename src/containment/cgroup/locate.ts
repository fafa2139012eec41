/**
 * Finding where this process may create cgroups: the cgroup2 mount (from
 * /proc/self/mountinfo; hybrid hosts mount it at /sys/fs/cgroup/unified) and our own cgroup
 * on it (the `0::` line of /proc/self/cgroup). The parsers are pure so every host shape can
 * be unit-tested; `locateCgroup()` reads the real files.
 */
import { accessSync, constants, readFileSync } from "node:fs";

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
  | { readonly ok: true; readonly path: string; readonly mount: CgroupMount }
  | { readonly ok: false; readonly reason: string };

/** Decodes the octal escapes mountinfo uses for space, tab, newline and backslash (`\040` …). */
export function unescapeMountPath(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

/** The first cgroup2 mount in a mountinfo text, or undefined. */
export function parseMountinfo(text: string): CgroupMount | undefined {
  for (const line of text.split("\n")) {
    const dash = line.indexOf(" - ");
    if (dash === -1) continue;
    const after = line.slice(dash + 3).split(" ");
    if (after[0] !== "cgroup2") continue;
    const before = line.slice(0, dash).split(" ");
    const root = before[3];
    const mountPoint = before[4];
    const options = before[5] ?? "";
    // Read-only either per mount (field 6) or for the whole superblock (after the dash).
    const superOptions = after[2] ?? "";
    if (root === undefined || mountPoint === undefined) continue;
    return {
      mountPoint: unescapeMountPath(mountPoint),
      root: unescapeMountPath(root),
      readOnly: options.split(",").includes("ro") || superOptions.split(",").includes("ro"),
      favorDynmods: superOptions.split(",").includes("favordynmods"),
    };
  }
  return undefined;
}

/** The cgroup v2 path of the `0::` line of /proc/<pid>/cgroup, or undefined (a v1-only host). */
export function parseOwnCgroup(text: string): string | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith("0::")) return line.slice(3);
  }
  return undefined;
}

/** Joins what the two files say into a directory we could create cgroups in, or a reason why not. */
export function resolveCgroupDir(mountinfo: string, procCgroup: string): Located {
  const mount = parseMountinfo(mountinfo);
  if (mount === undefined) return { ok: false, reason: "no cgroup2 filesystem is mounted" };
  if (mount.readOnly) return { ok: false, reason: `the cgroup2 mount at ${mount.mountPoint} is read-only` };
  const own = parseOwnCgroup(procCgroup);
  if (own === undefined)
    return {
      ok: false,
      reason: "this process has no cgroup v2 membership (no 0:: line in /proc/self/cgroup)",
    };
  if (own.includes("/..") || !own.startsWith("/")) {
    return { ok: false, reason: `our cgroup ${own} lies outside the visible hierarchy (cgroup namespace)` };
  }
  let relative = own;
  if (mount.root !== "/") {
    // The mount shows a subtree: strip its root from our path, or we are outside it.
    if (own !== mount.root && !own.startsWith(`${mount.root}/`)) {
      return { ok: false, reason: `our cgroup ${own} is not under the mounted subtree ${mount.root}` };
    }
    relative = own.slice(mount.root.length) || "/";
  }
  const path = relative === "/" ? mount.mountPoint : `${mount.mountPoint.replace(/\/$/, "")}${relative}`;
  return { ok: true, path, mount };
}

/** Reads this process's files and checks that the directory is writable. */
export function locateCgroup(): Located {
  let mountinfo: string;
  let procCgroup: string;
  try {
    mountinfo = readFileSync("/proc/self/mountinfo", "utf8");
    procCgroup = readFileSync("/proc/self/cgroup", "utf8");
  } catch {
    return { ok: false, reason: "/proc is not available (not Linux?)" };
  }
  const located = resolveCgroupDir(mountinfo, procCgroup);
  if (!located.ok) return located;
  try {
    accessSync(located.path, constants.W_OK);
  } catch {
    return { ok: false, reason: `our cgroup ${located.path} is not writable by this user (no delegation)` };
  }
  return located;
}
