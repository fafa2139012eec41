/**
 * Finding and killing the processes that left a run's process group but kept its run marker
 * (run-marker.ts). The cost is bounded by looking only at processes newer than the run's
 * leader: pids are handed out in increasing order, so only pids above the leader's (or, after
 * the pid counter wrapped, below the last one handed out) are candidates, and a candidate's
 * start time must not be older than the leader's. Only those get their environment read.
 * A short run (the common case) costs less still: the pids handed out since its leader are
 * exactly those between the leader's and ns_last_pid, often none, so no /proc listing is read.
 * The token is unique to its container, so these bounds only save work: a process that
 * carries it descends from the container whatever its pid.
 *
 * Holes, by construction: a process that cleared or rewrote its environment (`env -i`, sudo,
 * many daemons' re-exec), one that changed uid or is not dumpable (its environ is unreadable
 * to us unless we are root), and hosts without a usable /proc (see proc-usable.ts).
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync } from "node:fs";
import { isLive, readStat } from "../proc.js";
import { ownProcessesVisible } from "../proc-usable.js";
import { sleepSync } from "../sleep-sync.js";
import { markerNames, RUN_MARKER } from "./run-marker.js";

export interface Since {
  readonly pid: number;
  /** Start time in clock ticks after boot (field 22 of /proc/<pid>/stat). */
  readonly startTime: number;
  /** When it was born, in `performance.now()` time (at most this late). */
  readonly bornAt: number;
}

/**
 * The leader as a lower bound for the scan, or undefined if it already vanished.
 * @param bornAt when the process was born (`performance.now()` time); a leader is read at its
 *   adoption, just after its birth. Pass 0 for a process as old as this one.
 */
export function sinceOf(pid: number, bornAt = performance.now()): Since | undefined {
  const stat = readStat(pid);
  return stat === undefined ? undefined : { pid, startTime: Number(stat.startTime), bornAt };
}

const NEEDLE = `${RUN_MARKER}=`;
/** Environments are read into one reused buffer; a larger one is read whole the ordinary way. */
const buffer = Buffer.allocUnsafe(64 * 1024);

function readEnviron(pid: number): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(`/proc/${pid}/environ`, "r");
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n)
      n = readSync(fd, buffer, length, buffer.length - length, null);
    return length < buffer.length
      ? buffer.toString("latin1", 0, length)
      : readFileSync(`/proc/${pid}/environ`, "latin1");
  } catch {
    return undefined; // gone, another uid, or not dumpable: a documented hole
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The marker's value in an environ block (NUL-separated), or undefined. */
export function markerIn(environ: string): string | undefined {
  let at = environ.startsWith(NEEDLE) ? 0 : environ.indexOf(`\0${NEEDLE}`);
  if (at === -1) return undefined;
  if (at > 0) at += 1;
  const end = environ.indexOf("\0", at);
  return environ.slice(at + NEEDLE.length, end === -1 ? undefined : end);
}

/**
 * ns_last_pid stays open: a pread of it costs ~2 µs, an open/read/close ~20. (Node closes the
 * fs descriptors a worker thread opened when the worker ends, terminate() included.)
 */
let lastPidFd: number | null | undefined;
const lastPidBuffer = Buffer.allocUnsafe(32);

/** The last pid handed out in our pid namespace, or undefined where that cannot be read. */
function lastPid(): number | undefined {
  try {
    lastPidFd ??= openSync("/proc/sys/kernel/ns_last_pid", "r");
    if (lastPidFd === null) return undefined;
    const value = Number(lastPidBuffer.toString("latin1", 0, readSync(lastPidFd, lastPidBuffer, 0, 32, 0)));
    return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  } catch {
    lastPidFd ??= null; // no such file (old kernel, no /proc): never tried again
    return undefined;
  }
}

/**
 * The pid counter cannot have wrapped within this time of a leader's birth: a wrap takes
 * pid_max forks (at least 32768 unless lowered), over 300 000 per second here. The pids
 * handed out since are then exactly those between the leader's and the last one.
 */
const YOUNG_MS = 100;
/** Beyond this many pids handed out since the leader, one readdir of /proc is cheaper than a lookup each. */
const RANGE_MAX = 256;
const WRAP_MIN = 32_768;

let pidMax: number | undefined;
function pidMaxValue(): number {
  if (pidMax === undefined) {
    try {
      pidMax = Number(readFileSync("/proc/sys/kernel/pid_max", "latin1")) || 0;
    } catch {
      pidMax = 0;
    }
  }
  return pidMax;
}

/**
 * The pids that may be newer than `since`: every one handed out since, when the leader is
 * young and few were (a short run, the common case: often none at all); else every pid in
 * /proc above the leader's, or below the last one handed out if the counter wrapped. Thread
 * ids in the first range are harmless: a thread's environ is its process's, and SIGKILL to a
 * thread id kills its process.
 */
export function candidates(since: Since): Iterable<number> | undefined {
  const last = lastPid();
  if (
    last !== undefined &&
    last >= since.pid &&
    last - since.pid <= RANGE_MAX &&
    performance.now() - since.bornAt < YOUNG_MS &&
    pidMaxValue() >= WRAP_MIN
  ) {
    return pidRange(since.pid + 1, last);
  }
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return undefined;
  }
  const wrapped = last !== undefined && last < since.pid;
  const pids: number[] = [];
  for (const name of names) {
    const first = name.charCodeAt(0);
    if (first < 48 || first > 57) continue;
    const pid = Number(name);
    if (pid > since.pid || (wrapped && pid <= (last as number))) pids.push(pid);
  }
  return pids;
}

function* pidRange(from: number, to: number): Iterable<number> {
  for (let pid = from; pid <= to; pid++) yield pid;
}

/** Live processes newer than `since` whose marker names `token` (see `markerNames`). */
export function findMarked(token: string, since: Since): number[] {
  return scanMarked(token, since).found;
}

interface Scan {
  /** Marked with the token. */
  readonly found: number[];
  /**
   * Live, and caught inside an execve: between the old image's environment going and the new
   * one's being set up its environment reads empty (measured here: 1 read in 400 of a process
   * that execs once, 1 in 12 of one that execs in a loop).
   */
  readonly unsure: number[];
}

function scanMarked(token: string, since: Since): Scan {
  const scan: Scan = { found: [], unsure: [] };
  const pids = ownProcessesVisible() ? candidates(since) : undefined;
  for (const pid of pids ?? []) {
    if (pid === process.pid) continue;
    const stat = readStat(pid);
    if (stat === undefined || !isLive(stat) || stat.kernelThread || Number(stat.startTime) < since.startTime)
      continue;
    judge(pid, token, scan);
  }
  return scan;
}

function judge(pid: number, token: string, scan: Scan): void {
  const environ = readEnviron(pid);
  if (environ === "") {
    if (!emptyForGood(pid)) scan.unsure.push(pid);
    return;
  }
  const value = environ === undefined ? undefined : markerIn(environ);
  if (value !== undefined && markerNames(value, token)) scan.found.push(pid);
}

/**
 * An empty read is the answer only for a process whose environment block is set up and empty
 * (`env -i`). Inside an execve the new image has none yet (both ends 0), and one that finished
 * its execve since the read has a non-empty one: both are read again.
 */
function emptyForGood(pid: number): boolean {
  const stat = readStat(pid);
  return stat === undefined || !isLive(stat) || (stat.envStart !== 0 && stat.envEnd === stat.envStart);
}

/** Pauses before a process caught inside an execve is read again (the window is short, even on a loaded machine). */
const RECHECK_MS = [1, 2, 5, 10, 20];

/**
 * SIGKILLs every marked process newer than `since`, scanning again after each round so a
 * child forked between a scan and its parent's kill is caught too (at most 3 rounds), then
 * reading again, a moment later, the environment of any that read empty (an execve in flight).
 * Returns the pids signalled.
 */
export function killMarked(token: string, since: Since): number[] {
  const killed: number[] = [];
  const kill = (pids: readonly number[]) => {
    for (const pid of pids) {
      if (killed.includes(pid)) continue; // killed in an earlier round, maybe still dying
      try {
        process.kill(pid, "SIGKILL");
        killed.push(pid);
      } catch {
        // exited meanwhile
      }
    }
  };
  let unsure: number[] = [];
  for (let round = 0; round < 3; round++) {
    const scan = scanMarked(token, since);
    unsure = scan.unsure;
    const before = killed.length;
    kill(scan.found);
    if (killed.length === before) break; // only new ones call for another round
  }
  for (const pause of RECHECK_MS) {
    if (unsure.length === 0) break;
    sleepSync(pause);
    const again: Scan = { found: [], unsure: [] };
    for (const pid of unsure) judge(pid, token, again); // one that died meanwhile reads as gone or empty for good
    kill(again.found);
    unsure = again.unsure;
  }
  return killed;
}
