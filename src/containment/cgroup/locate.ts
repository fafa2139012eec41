/**
 * Finding where this process may create cgroups: the cgroup2 mount (from
 * /proc/self/mountinfo; hybrid hosts mount it at /sys/fs/cgroup/unified) and our own cgroup
 * on it (the `0::` line of /proc/self/cgroup). The parsers are pure so every host shape can
 * be unit-tested; `locateCgroup()` reads the real files.
 */
import { readFileSync } from "node:fs";
import { procAccess } from "../proc-usable.js";
import type { CgroupMount, Located } from "./located.js";
import { cgroup2At, usableDir } from "./usable-dir.js";

export type { CgroupMount, Located, Refusal } from "./located.js";

/** Decodes the octal escapes mountinfo uses for space, tab, newline and backslash (`\040` …). */
export function unescapeMountPath(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

/** Every cgroup2 mount in a mountinfo text, in mount order; a mount point mounted twice keeps only the later (upper) one. */
export function parseCgroup2Mounts(text: string): CgroupMount[] {
  const byPoint = new Map<string, CgroupMount>();
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
    const mount: CgroupMount = {
      mountPoint: unescapeMountPath(mountPoint),
      root: unescapeMountPath(root),
      readOnly: options.split(",").includes("ro") || superOptions.split(",").includes("ro"),
      favorDynmods: superOptions.split(",").includes("favordynmods"),
    };
    byPoint.delete(mount.mountPoint); // re-insert: keeps mount order, the upper mount wins
    byPoint.set(mount.mountPoint, mount);
  }
  return [...byPoint.values()];
}

/** The first cgroup2 mount in a mountinfo text, or undefined. */
export function parseMountinfo(text: string): CgroupMount | undefined {
  return parseCgroup2Mounts(text)[0];
}

/** The cgroup v2 path of the `0::` line of /proc/<pid>/cgroup, or undefined (a v1-only host). */
export function parseOwnCgroup(text: string): string | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith("0::")) return line.slice(3);
  }
  return undefined;
}

/**
 * Joins what the two files say into a directory we could create cgroups in, or a reason why
 * not. `isCgroup2(mountPoint)` says what is really there now (statfs): mountinfo keeps listing
 * a cgroup2 mount that something else was mounted over (a tmpfs over /sys/fs/cgroup with an
 * empty unified/ in it), and a plain directory would take every write and contain nothing.
 */
export function resolveCgroupDir(
  mountinfo: string,
  procCgroup: string,
  isCgroup2: (path: string) => string | true = () => true,
): Located {
  const mounts = parseCgroup2Mounts(mountinfo);
  if (mounts.length === 0)
    return { ok: false, reason: "no cgroup2 filesystem is mounted", kind: "no-cgroup2" };
  let mount: CgroupMount | undefined;
  let hidden = "";
  let hiddenAt = "";
  for (const candidate of mounts) {
    const verdict = isCgroup2(candidate.mountPoint);
    if (verdict === true) {
      mount = candidate;
      break;
    }
    hiddenAt ||= candidate.mountPoint;
    hidden ||= `the cgroup2 mount at ${candidate.mountPoint} is hidden: ${verdict} (something was mounted over it)`;
  }
  if (mount === undefined) return { ok: false, reason: hidden, kind: "hidden", where: hiddenAt };
  if (mount.readOnly)
    return {
      ok: false,
      reason: `the cgroup2 mount at ${mount.mountPoint} is read-only`,
      kind: "read-only",
      where: mount.mountPoint,
    };
  const own = parseOwnCgroup(procCgroup);
  if (own === undefined)
    return {
      ok: false,
      reason: "this process has no cgroup v2 membership (no 0:: line in /proc/self/cgroup)",
      kind: "no-membership",
    };
  if (own.includes("/..") || !own.startsWith("/")) {
    return {
      ok: false,
      reason: `our cgroup ${own} lies outside the visible hierarchy (cgroup namespace)`,
      kind: "outside-view",
    };
  }
  let relative = own;
  if (mount.root !== "/") {
    // The mount shows a subtree: strip its root from our path, or we are outside it.
    if (own !== mount.root && !own.startsWith(`${mount.root}/`)) {
      return {
        ok: false,
        reason: `our cgroup ${own} is not under the mounted subtree ${mount.root}`,
        kind: "outside-view",
      };
    }
    relative = own.slice(mount.root.length) || "/";
  }
  const path = relative === "/" ? mount.mountPoint : `${mount.mountPoint.replace(/\/$/, "")}${relative}`;
  return { ok: true, path, mount, hierarchyPath: own, own };
}

/** Reads this process's files, checks what is mounted, and finds a directory we may really use. */
export function locateCgroup(): Located {
  if (process.platform !== "linux")
    return { ok: false, reason: `no cgroups on ${process.platform}`, kind: "not-linux" };
  let mountinfo: string;
  let procCgroup: string;
  try {
    mountinfo = readFileSync("/proc/self/mountinfo", "utf8");
    procCgroup = readFileSync("/proc/self/cgroup", "utf8");
  } catch {
    const proc = procAccess();
    return {
      ok: false,
      reason: `cannot read /proc/self/mountinfo and /proc/self/cgroup: ${proc.usable ? "/proc/self is incomplete" : proc.reason}`,
      kind: "no-proc",
    };
  }
  const located = resolveCgroupDir(mountinfo, procCgroup, cgroup2At);
  if (!located.ok) return located;
  return usableDir(located);
}
