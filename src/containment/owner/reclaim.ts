/**
 * Reclaiming what a dead owner's sentinels never got to. An owner killed together with its
 * sentinels — a nested owner whose outer run was killed as a whole, a `kill -9` of the owner
 * and both sentinels — leaves its scratch directory (and, killed by a user rather than by an
 * outer run, maybe its owner cgroup and escapees). Every owner, once, a moment after it set
 * up its guards, looks at the other owners' scratch directories and finishes the sentinels'
 * work for any that is provably dead:
 * - its record (owner-record.ts) is from an earlier boot: nothing of it can still run; or
 * - it is from this boot and this PID namespace, its pid no longer carries its start time, and
 *   no live process still names the directory in its argv (a sentinel busy with its own sweep).
 * - it is from another PID namespace sharing the temporary directory (its pids mean nothing
 *   here), and that namespace has no process left: only judged from the initial PID
 *   namespace, the one place that sees every namespace's processes, and only where the
 *   namespace of every process there can be told.
 * Then, for one of this boot: its owner cgroup is killed and removed; for a dead owner of this
 * PID namespace its marked escapees are SIGKILLed too (the token is unique to that owner);
 * and the directory goes.
 *
 * Left alone, always: directories of another uid, without a record (an older version, or an
 * owner between its mkdir and its record), of another PID namespace that is alive or that
 * cannot be judged from here, and everything where /proc cannot be believed.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { lstat, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, isAbsolute, join, normalize } from "node:path";
import { isPopulated, removeTree, writeControl } from "../cgroup/control-files.js";
import { cgroup2At } from "../cgroup/usable-dir.js";
import { candidates, killMarked, type Since } from "../pgroup/escapees.js";
import { isLive, readStat } from "../proc.js";
import { ownProcessesVisible, procUsable } from "../proc-usable.js";
import { currentWorld, type OwnerRecord, type PidWorld, parseRecord, RECORD_FILE } from "./owner-record.js";

const SCRATCH_NAME = /^processkit-\d+-\d+-[0-9a-f]{12}$/;
const OWNER_CGROUP_NAME = /^processkit-\d+-\d+-[0-9a-f]{6}$/;
/** After the owner's first guard: a short-lived owner (a one-off CLI run) never pays for it. */
const RECLAIM_AFTER_MS = 1_000;
const EMPTY_BOUND_MS = 2_000;

export interface Reclaimed {
  readonly dir: string;
  readonly why: "earlier boot" | "namespace gone" | "owner gone";
  /** Escapees SIGKILLed by their marker. */
  readonly killed: number;
  /** The owner cgroup, if one was left and is gone now. */
  readonly cgroupRemoved: boolean;
}

let scheduled = false;

/** Once per event loop, a moment later, in the background (never keeps the process alive). */
export function scheduleReclaim(): void {
  if (scheduled) return;
  scheduled = true;
  setTimeout(() => {
    reclaimDeadOwners().catch(() => {}); // best effort: nothing here may reach the user
  }, RECLAIM_AFTER_MS).unref();
}

/** Finishes the work of every provably dead owner whose scratch directory is in `dir`. */
export async function reclaimDeadOwners(dir: string = tmpdir()): Promise<Reclaimed[]> {
  const world = currentWorld();
  const uid = process.getuid?.();
  if (world === undefined || uid === undefined || !ownProcessesVisible()) return [];
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const reclaimed: Reclaimed[] = [];
  for (const name of names) {
    if (!SCRATCH_NAME.test(name)) continue;
    const scratch = join(dir, name);
    const record = await recordOf(scratch, uid);
    if (record === undefined) continue;
    const why = verdict(record, world, scratch);
    if (why === undefined) continue;
    reclaimed.push(await finish(scratch, record, why));
  }
  return reclaimed;
}

async function recordOf(scratch: string, uid: number): Promise<OwnerRecord | undefined> {
  try {
    const stat = await lstat(scratch);
    if (!stat.isDirectory() || stat.uid !== uid) return undefined;
    return parseRecord(await readFile(join(scratch, RECORD_FILE), "latin1"));
  } catch {
    return undefined;
  }
}

function verdict(record: OwnerRecord, world: PidWorld, scratch: string): Reclaimed["why"] | undefined {
  if (record.boot !== world.boot) return "earlier boot";
  if (record.pidns !== world.pidns) return namespaceGone(record.pidns, world) ? "namespace gone" : undefined;
  const stat = readStat(record.pid);
  if (isLive(stat) && stat?.startTime === record.startTime) return undefined;
  return sentinelAlive(record, scratch) ? undefined : "owner gone";
}

/** A live process newer than the owner whose argv names the directory: one of its sentinels (or their rm). */
function sentinelAlive(record: OwnerRecord, scratch: string): boolean {
  const since = sinceRecord(record);
  for (const pid of candidates(since) ?? []) {
    const stat = readStat(pid);
    if (!isLive(stat) || stat === undefined || Number(stat.startTime) < since.startTime) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0").includes(scratch)) return true;
    } catch {
      // gone meanwhile, or another uid's (a sentinel is ours)
    }
  }
  return false;
}

/** PROC_PID_INIT_INO: the initial PID namespace, the ancestor of every other. */
const INITIAL_PIDNS = `pid:[${0xeffffffc}]`;

/**
 * No process is left in `pidns`: its init is gone, so no process can ever enter it again. Only
 * the initial namespace sees every process of every namespace; a process whose namespace
 * cannot be told (another uid's, as non-root) makes the answer unknown, which counts as alive.
 */
function namespaceGone(pidns: string, world: PidWorld): boolean {
  if (world.pidns !== INITIAL_PIDNS || !procUsable()) return false;
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return false;
  }
  for (const name of names) {
    const first = name.charCodeAt(0);
    if (first < 48 || first > 57) continue;
    try {
      if (readlinkSync(`/proc/${name}/ns/pid`) === pidns) return false;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT" && !onlyInInitialNamespace(name)) return false;
    }
  }
  return true;
}

/**
 * For a process whose namespace link we may not read (not dumpable, or root without
 * CAP_SYS_PTRACE): its world-readable status says how many PID namespaces it has a pid in.
 * One means the initial namespace only, so not the one asked about; anything else is unknown.
 */
function onlyInInitialNamespace(pid: string): boolean {
  try {
    const line = /^NSpid:\t(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, "latin1"))?.[1];
    return line !== undefined && /^\d+$/.test(line.trim());
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT"; // gone meanwhile
  }
}

function sinceRecord(record: OwnerRecord): Since {
  return { pid: record.pid, startTime: Number(record.startTime), bornAt: 0 };
}

async function finish(scratch: string, record: OwnerRecord, why: Reclaimed["why"]): Promise<Reclaimed> {
  let killed = 0;
  let cgroupRemoved = false;
  if (why !== "earlier boot" && ownerCgroup(record.cgroupDir))
    cgroupRemoved = await removeCgroup(record.cgroupDir);
  // Its pids mean something only in its own namespace (a dead namespace's processes are all dead).
  if (why === "owner gone") killed = killMarked(`${record.token}.`, sinceRecord(record)).length;
  await rm(scratch, { recursive: true, force: true }).catch(() => {});
  return { dir: scratch, why, killed, cgroupRemoved };
}

/** Only a path that is exactly an owner cgroup's, on cgroup2, and still there. */
function ownerCgroup(dir: string): boolean {
  return (
    dir !== "" &&
    isAbsolute(dir) &&
    normalize(dir) === dir &&
    OWNER_CGROUP_NAME.test(basename(dir)) &&
    cgroup2At(dir) === true
  );
}

async function removeCgroup(dir: string): Promise<boolean> {
  const deadline = performance.now() + EMPTY_BOUND_MS;
  while (isPopulated(dir) && performance.now() < deadline) {
    writeControl(dir, "cgroup.kill", "1");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return removeTree(dir);
}
