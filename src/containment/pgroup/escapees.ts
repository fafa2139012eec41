/**
 * Finding and killing the processes that left a run's process group but kept its run marker
 * (run-marker.ts). The cost is bounded by looking only at processes newer than the run's
 * leader: pids are handed out in increasing order, so only pids above the leader's (or, after
 * the pid counter wrapped, below the last one handed out) are candidates, and a candidate's
 * start time must not be older than the leader's. Only those get their environment read.
 *
 * Holes, by construction: a process that cleared or rewrote its environment (`env -i`, sudo,
 * many daemons' re-exec), one that changed uid or is not dumpable (its environ is unreadable
 * to us unless we are root), and hosts without a usable /proc (see proc-usable.ts).
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync } from "node:fs";
import { isLive, readStat } from "../proc.js";
import { ownProcessesVisible } from "../proc-usable.js";
import { markerNames, RUN_MARKER } from "./run-marker.js";

export interface Since {
  readonly pid: number;
  /** Start time in clock ticks after boot (field 22 of /proc/<pid>/stat). */
  readonly startTime: number;
}

/** The leader as a lower bound for the scan, or undefined if it already vanished. */
export function sinceOf(pid: number): Since | undefined {
  const stat = readStat(pid);
  return stat === undefined ? undefined : { pid, startTime: Number(stat.startTime) };
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

function lastPid(): number | undefined {
  try {
    const value = Number(readFileSync("/proc/sys/kernel/ns_last_pid", "latin1"));
    return Number.isSafeInteger(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Live processes newer than `since` whose marker names `token` (see `markerNames`). */
export function findMarked(token: string, since: Since): number[] {
  if (!ownProcessesVisible()) return [];
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return [];
  }
  const last = lastPid();
  const wrapped = last !== undefined && last < since.pid;
  const found: number[] = [];
  for (const name of names) {
    const first = name.charCodeAt(0);
    if (first < 48 || first > 57) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    if (!(pid > since.pid || (wrapped && pid <= (last as number)))) continue;
    const stat = readStat(pid);
    if (stat === undefined || !isLive(stat) || Number(stat.startTime) < since.startTime) continue;
    const environ = readEnviron(pid);
    const value = environ === undefined ? undefined : markerIn(environ);
    if (value !== undefined && markerNames(value, token)) found.push(pid);
  }
  return found;
}

/**
 * SIGKILLs every marked process newer than `since`, scanning again after each round so a
 * child forked between a scan and its parent's kill is caught too (at most 3 rounds).
 * Returns the pids signalled.
 */
export function killMarked(token: string, since: Since): number[] {
  const killed: number[] = [];
  for (let round = 0; round < 3; round++) {
    // One killed in an earlier round may still be dying: only new ones call for another round.
    const fresh = findMarked(token, since).filter((pid) => !killed.includes(pid));
    if (fresh.length === 0) break;
    for (const pid of fresh) {
      try {
        process.kill(pid, "SIGKILL");
        killed.push(pid);
      } catch {
        // exited meanwhile
      }
    }
  }
  return killed;
}
