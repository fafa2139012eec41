/** Reading /proc: the only way to tell a live process from a zombie by pid or by process group. */
import { closeSync, openSync, readdirSync, readSync } from "node:fs";
import { procUsable } from "./proc-usable.js";

export interface ProcStat {
  readonly pid: number;
  readonly state: string;
  readonly ppid: number;
  readonly pgrp: number;
  readonly session: number;
  /** A kernel thread (PF_KTHREAD): it has no environment, no argv, and is never ours. */
  readonly kernelThread: boolean;
  /** Clock ticks after boot at which the process started: with the pid, an identity that survives pid reuse. */
  readonly startTime: string;
  /**
   * Where its environment block starts and ends (0 and 0 while an execve sets up the new
   * image, for a kernel thread, and where we may not look: fields 50–51, Linux ≥ 3.5).
   */
  readonly envStart: number;
  readonly envEnd: number;
}

/** The fields of a /proc/<pid>/stat line after the command name, which may contain spaces and parens: they start after the last ')'. */
function statFields(text: string): string[] | undefined {
  const close = text.lastIndexOf(")");
  if (close === -1) return undefined;
  const fields = text.slice(close + 2).split(" ");
  return fields.length < 20 ? undefined : fields;
}

const PF_KTHREAD = 0x00200000;

/** Parses /proc/<pid>/stat. */
export function parseStat(text: string): ProcStat | undefined {
  const fields = statFields(text);
  if (fields === undefined) return undefined;
  return {
    pid: Number.parseInt(text, 10),
    state: fields[0] as string,
    ppid: Number(fields[1]),
    pgrp: Number(fields[2]),
    session: Number(fields[3]),
    kernelThread: (Number(fields[6]) & PF_KTHREAD) !== 0,
    startTime: fields[19] as string,
    envStart: Number(fields[47] ?? 0),
    envEnd: Number(fields[48] ?? 0),
  };
}

/** One reused buffer: a stat line is < 1 KiB, and readFileSync would add an fstat and an allocation per file. */
const statBuffer = Buffer.allocUnsafe(4096);

export function readStat(pid: number): ProcStat | undefined {
  const text = readStatText(pid);
  return text === undefined ? undefined : parseStat(text);
}

function readStatText(pid: number): string | undefined {
  // A vanished pid is the common answer: build its ENOENT without a stack trace.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  let fd: number | undefined;
  try {
    fd = openSync(`/proc/${pid}/stat`, "r");
    const length = readSync(fd, statBuffer, 0, statBuffer.length, 0);
    return statBuffer.toString("latin1", 0, length);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
    Error.stackTraceLimit = limit;
  }
}

/** Dead (gone, zombie or exiting) counts as not alive: a zombie runs no code and holds no pipes. */
export function isLive(stat: ProcStat | undefined): boolean {
  return stat !== undefined && stat.state !== "Z" && stat.state !== "X" && stat.state !== "x";
}

export function isPidAlive(pid: number): boolean {
  return isLive(readStat(pid));
}

/**
 * Live processes whose process group is one of `pgids`, or undefined when /proc cannot be
 * believed (missing, empty, not procfs, hidepid — see proc-usable.ts; macOS, BSD): the
 * caller must then fall back to `kill(-pgid, 0)`, which counts zombies as alive — never to
 * "empty", which would end every grace at once and skip the SIGKILL.
 */
export function liveMembersOfGroups(pgids: ReadonlySet<number>): number[] | undefined {
  if (!procUsable()) return undefined;
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return undefined;
  }
  const found: number[] = [];
  for (const name of entries) {
    const first = name.charCodeAt(0);
    if (first < 48 || first > 57) continue;
    const stat = readStat(Number(name));
    if (stat !== undefined && pgids.has(stat.pgrp) && isLive(stat)) found.push(stat.pid);
  }
  return found;
}

/** True when this process has a controlling terminal and is in that terminal's foreground group. */
export function inForegroundOfTerminal(): boolean {
  const text = readStatText(process.pid);
  const fields = text === undefined ? undefined : statFields(text);
  if (fields === undefined) return false;
  // state ppid pgrp session tty_nr tpgid …
  const [pgrp, ttyNr, tpgid] = [Number(fields[2]), Number(fields[4]), Number(fields[5])];
  return ttyNr !== 0 && tpgid > 0 && tpgid === pgrp;
}

let miscHandlers: boolean | undefined;

/** Whether binfmt_misc has handlers registered (then the kernel may run formats we cannot judge). */
export function binfmtMiscHandlers(): boolean {
  if (miscHandlers === undefined) {
    try {
      miscHandlers = readdirSync("/proc/sys/fs/binfmt_misc").some((e) => e !== "register" && e !== "status");
    } catch {
      miscHandlers = false; // not mounted: the kernel runs only its built-in formats
    }
  }
  return miscHandlers;
}
