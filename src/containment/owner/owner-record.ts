/**
 * The owner record: a small file in the owner's scratch directory that says whose directory
 * it is, in terms another owner can check later — the boot, the PID namespace, the pid with
 * its start time, the run-marker token and the owner cgroup. An owner killed together with
 * its sentinels (a nested owner whose outer run was killed, `kill -9` of the owner and both
 * sentinels) leaves its scratch directory behind; the record lets a later owner on the same
 * host tell that it is dead, and finish the sentinels' work (see reclaim.ts).
 *
 * It holds no environment value and nothing secret: the directory is 0700 and the token only
 * names processes, it grants nothing.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, readlinkSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readStat } from "../proc.js";

export const RECORD_FILE = "owner";
const HEADER = "processkit owner record 1";

/** Where a process lives, as far as a pid means anything: one boot, one PID namespace. */
export interface PidWorld {
  /** /proc/sys/kernel/random/boot_id: a new one at every boot. */
  readonly boot: string;
  /** The readlink of /proc/self/ns/pid, e.g. `pid:[4026531836]`. */
  readonly pidns: string;
}

export interface OwnerRecord extends PidWorld {
  readonly pid: number;
  /** Clock ticks after boot (field 22 of /proc/<pid>/stat): with the pid, one process. */
  readonly startTime: string;
  /** The owner's run-marker token (pgroup/run-marker.ts). */
  readonly token: string;
  /** The owner cgroup, or "" for none. */
  readonly cgroupDir: string;
}

/**
 * This process's world, or undefined where a pid read from /proc would not be ours to judge:
 * no /proc, or a /proc mounted for another PID namespace (then /proc/self/stat shows a pid
 * other than ours, and every pid there belongs to someone else's numbering).
 */
export function currentWorld(): PidWorld | undefined {
  // A process never changes boot or PID namespace (unshare(CLONE_NEWPID) moves only children).
  world ??= readWorld() ?? null;
  return world ?? undefined;
}

let world: PidWorld | null | undefined;

function readWorld(): PidWorld | undefined {
  try {
    const self = Number.parseInt(readFileSync("/proc/self/stat", "latin1"), 10);
    if (self !== process.pid) return undefined;
    const boot = readFileSync("/proc/sys/kernel/random/boot_id", "latin1").trim();
    const pidns = readlinkSync("/proc/self/ns/pid");
    return boot !== "" && pidns.startsWith("pid:[") ? { boot, pidns } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes (or rewrites, atomically by rename) the record of this owner into `dir`; false where
 * it cannot (no usable /proc, a full disk): the directory is then never reclaimed by anyone,
 * as before there were records.
 */
export function writeOwnerRecord(dir: string, token: string, cgroupDir: string): boolean {
  const here = currentWorld();
  const startTime = readStat(process.pid)?.startTime;
  if (here === undefined || startTime === undefined) return false;
  const text = formatRecord({ ...here, pid: process.pid, startTime, token, cgroupDir });
  const path = join(dir, RECORD_FILE);
  try {
    // The first one directly (a rename costs ~100 µs on ext4; a reader of a half-written
    // record finds no record and leaves the directory alone), every later one by rename.
    writeFileSync(path, text, { mode: 0o600, flag: "wx" });
    return true;
  } catch {
    // there is one already: replace it whole
  }
  const temporary = join(dir, `${RECORD_FILE}.${randomBytes(4).toString("hex")}`);
  try {
    writeFileSync(temporary, text, { mode: 0o600, flag: "wx" });
    renameSync(temporary, path);
    return true;
  } catch {
    try {
      unlinkSync(temporary);
    } catch {
      // never made
    }
    return false;
  }
}

export function formatRecord(record: OwnerRecord): string {
  return [
    HEADER,
    `boot ${record.boot}`,
    `pidns ${record.pidns}`,
    `pid ${record.pid}`,
    `start ${record.startTime}`,
    `token ${record.token}`,
    `cgroup ${record.cgroupDir}`,
    "",
  ].join("\n");
}

/** The record in `text`, or undefined for anything that is not exactly one (never a guess). */
export function parseRecord(text: string): OwnerRecord | undefined {
  const lines = text.split("\n");
  if (lines[0] !== HEADER) return undefined;
  const field = (name: string) => {
    const line = lines.find((l) => l.startsWith(`${name} `));
    return line?.slice(name.length + 1);
  };
  const boot = field("boot");
  const pidns = field("pidns");
  const pid = Number(field("pid"));
  const startTime = field("start");
  const token = field("token");
  const cgroupDir = field("cgroup");
  if (boot === undefined || boot === "" || pidns === undefined || !/^pid:\[\d+\]$/.test(pidns))
    return undefined;
  if (!Number.isSafeInteger(pid) || pid <= 0 || startTime === undefined || !/^\d+$/.test(startTime))
    return undefined;
  if (token === undefined || !/^[0-9a-f]{12}$/.test(token) || cgroupDir === undefined) return undefined;
  return { boot, pidns, pid, startTime, token, cgroupDir };
}
