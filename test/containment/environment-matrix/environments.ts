/**
 * The environments of the matrix, each built on this machine with a mount namespace (and a PID
 * namespace, or an unprivileged uid) the way containers, CI runners and plain user accounts
 * look to Node — and what processkit must say and do in each. All preludes run as root inside
 * the new namespaces, so nothing they mount is visible outside.
 */
import type { Mechanism } from "../../../src/index.js";

export const NOBODY = 65534;
/** The hybrid layout of the project's machines: cgroup2 at /sys/fs/cgroup/unified. */
export const CGROUP2 = "/sys/fs/cgroup/unified";

/** Tree members by the number added to the test's base: 2 and 4 are the ones that left the group by setsid. */
export const MEMBERS = [1, 2, 3, 4] as const;
export const SETSID_MEMBERS = [2, 4] as const;

export interface Environment {
  readonly name: string;
  /** Extra `unshare` flags after `-m`. */
  readonly unshare?: readonly string[];
  /** Shell commands run as root inside the namespace before the owner starts. `$DELEGATED` is set when `delegate` is. */
  readonly prelude: string;
  /** Start the owner as uid/gid 65534 (nobody) through setpriv. */
  readonly asNobody?: boolean;
  /** A delegated cgroup for the owner, made by the test: "full" (dir + control files) or "partial" (dir only). */
  readonly delegate?: "full" | "partial";
  /** PATH for the owner (the owner's runs resolve `sh` through it). */
  readonly path?: string;
  readonly expect: {
    readonly mechanism: Mechanism;
    /** Must appear among hostContainment().reasons (joined). */
    readonly reason?: RegExp;
    /** Must appear among hostContainment().advice (joined). */
    readonly advice?: string;
    readonly pid1?: boolean;
    /** Members (by number) that survive teardown: the documented hole of this environment. */
    readonly survivors?: readonly number[];
  };
}

const TMPFS_CGROUP = `mount -t tmpfs none /sys/fs/cgroup && mkdir ${CGROUP2}`;
const RO_CGROUP = `mount -o remount,bind,ro ${CGROUP2}`;
const EMPTY_PROC = "mount -t tmpfs none /proc";
/** The owner's shell moves itself into the delegated cgroup (as root), then execs the owner. */
const JOIN_DELEGATED = 'echo $$ > "$DELEGATED/cgroup.procs"';

export const ADVICE = {
  mountCgroup2: `mount -t cgroup2 none ${CGROUP2}`,
  remountRw: `mount -o remount,bind,rw ${CGROUP2}`,
  mountProc: "mount -t proc proc /proc",
  finishDelegation: (dir: string) =>
    `chown ${NOBODY} ${dir}/cgroup.procs ${dir}/cgroup.threads ${dir}/cgroup.subtree_control`,
};

export const ENVIRONMENTS: readonly Environment[] = [
  {
    name: "root with cgroup v2",
    prelude: "true",
    expect: { mechanism: "cgroup-v2" },
  },
  {
    name: "an unprivileged uid without delegation",
    prelude: "true",
    asNobody: true,
    expect: {
      mechanism: "process-group",
      reason: new RegExp(`not writable by uid ${NOBODY} \\(it is not delegated to us\\)`),
      advice: `chown -R ${NOBODY}`,
    },
  },
  {
    name: "the same uid with a delegated subtree",
    prelude: JOIN_DELEGATED,
    asNobody: true,
    delegate: "full",
    expect: { mechanism: "cgroup-v2" },
  },
  {
    name: "the same uid with a partly delegated subtree (cgroup.procs not chowned)",
    prelude: JOIN_DELEGATED,
    asNobody: true,
    delegate: "partial",
    expect: { mechanism: "process-group", reason: /only partly delegated/, advice: `chown ${NOBODY} ` },
  },
  {
    name: "a read-only cgroupfs",
    prelude: RO_CGROUP,
    expect: { mechanism: "process-group", reason: /read-only/, advice: ADVICE.remountRw },
  },
  {
    name: "a tmpfs over the cgroupfs with a fake unified/",
    prelude: TMPFS_CGROUP,
    expect: { mechanism: "process-group", reason: /hidden: statfs sees tmpfs/, advice: ADVICE.mountCgroup2 },
  },
  {
    name: "Node as PID 1 of a PID namespace",
    unshare: ["--pid", "--fork", "--mount-proc"],
    prelude: "true",
    expect: { mechanism: "cgroup-v2", pid1: true, reason: /PID 1/, advice: "--init" },
  },
  {
    name: "an empty /proc",
    prelude: EMPTY_PROC,
    expect: {
      mechanism: "process-group",
      reason: /\/proc is not a proc filesystem/,
      advice: ADVICE.mountProc,
      // Without /proc nobody can find the processes that left the group: the documented hole.
      survivors: SETSID_MEMBERS,
    },
  },
  {
    name: "a /proc mounted with hidepid, as an unprivileged uid",
    prelude: "mount -t proc -o hidepid=2 proc /proc",
    asNobody: true,
    expect: {
      mechanism: "process-group",
      reason: /hidepid=invisible: processes of other users are invisible/,
    },
  },
  {
    name: "a PATH with unreadable and non-directory entries",
    prelude: "true",
    asNobody: true,
    path: "/root/bin:/etc/passwd:/etc/passwd/x:/usr/bin:/bin",
    expect: { mechanism: "process-group" },
  },
];

/** The advice printed in a broken environment, applied there: each must give cgroup v2. */
export const ADVICE_APPLIED: readonly Environment[] = [
  {
    name: "tmpfs over cgroupfs + the advised cgroup2 mount",
    prelude: `${TMPFS_CGROUP} && ${ADVICE.mountCgroup2}`,
    expect: { mechanism: "cgroup-v2" },
  },
  {
    name: "read-only cgroupfs + the advised remount",
    prelude: `${RO_CGROUP} && ${ADVICE.remountRw}`,
    expect: { mechanism: "cgroup-v2" },
  },
  {
    name: "empty /proc + the advised proc mount",
    prelude: `${EMPTY_PROC} && ${ADVICE.mountProc}`,
    expect: { mechanism: "cgroup-v2" },
  },
  {
    name: "partial delegation + the advised chown",
    prelude: `${ADVICE.finishDelegation("$DELEGATED")} && ${JOIN_DELEGATED}`,
    asNobody: true,
    delegate: "partial",
    expect: { mechanism: "cgroup-v2" },
  },
  {
    name: "a root-owned leaf inside a delegated subtree + nothing (the delegated ancestor is found)",
    prelude: 'mkdir "$DELEGATED/leaf" && echo $$ > "$DELEGATED/leaf/cgroup.procs"',
    asNobody: true,
    delegate: "full",
    expect: {
      mechanism: "cgroup-v2",
      reason: /using the delegated cgroup .*leaf is not writable by uid 65534/,
    },
  },
];
