/**
 * /proc without helpers: who is alive, whose child is whom, which processes carry a trial's
 * token in their argv. Busy-polling here (not pgrep, which takes milliseconds to start) is how
 * the owner-death matrix sees the first child the moment its argv appears.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export function stat(
  pid: number,
): { state: string; ppid: number; pgrp: number; session: number; startTime: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "latin1");
    const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
    // startTime (field 22, clock ticks since boot) tells a pid's incarnations apart.
    return {
      state: f[0] ?? "",
      ppid: Number(f[1]),
      pgrp: Number(f[2]),
      session: Number(f[3]),
      startTime: Number(f[19]),
    };
  } catch {
    return undefined;
  }
}

/** A zombie is dead: it runs nothing and holds nothing (this sandbox's PID 1 never reaps). */
export function isAlive(pid: number): boolean {
  const s = stat(pid)?.state;
  return s !== undefined && s !== "Z" && s !== "X";
}

export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "latin1");
  } catch {
    return "";
  }
}

/** The most recently allocated pid (last field of /proc/loadavg). */
export function lastPid(): number {
  const fields = readFileSync("/proc/loadavg", "latin1").trim().split(" ");
  return Number(fields[fields.length - 1]);
}

/**
 * Every live pid whose argv contains `token`, started at or after `since` (a start time from
 * `stat`): pids wrap quickly on a busy machine, and a process of an earlier owner with the
 * same pid is not this trial's.
 */
export function processesWith(token: string, since = 0): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    if (!cmdline(pid).includes(token) || !isAlive(pid)) continue;
    if (since > 0 && (stat(pid)?.startTime ?? 0) < since) continue;
    found.push(pid);
  }
  return found;
}

/** How long a pid that was handed out may take to show up in /proc before it is given up on. */
const UNBORN_NS = 200_000_000n;

/**
 * Watches the children of `parent` as they appear, by walking the pids allocated since the
 * last look (no directory scan): `poll()` returns the first child whose argv contains one of the tokens,
 * or undefined. A child is re-read until it exec's (its argv is Node's until then).
 */
export class ChildWatch {
  private next: number;
  private readonly children = new Set<number>();
  readonly all = new Set<number>();
  /**
   * Pids handed out but not in /proc yet, with when they were first met: the kernel counts a
   * pid (ns_last_pid) before the new task is attached to it, and under cgroup v2 the fork
   * waits there for cgroup locks (CLONE_INTO_CGROUP), so a pid met too early is read again.
   */
  private readonly unborn = new Map<number, bigint>();

  constructor(
    private readonly parent: number,
    from = parent + 1,
  ) {
    this.next = from;
  }

  poll(tokens: readonly string[]): number | undefined {
    const last = lastPid();
    // A pid-space wrap restarts low: walk from 300 (the kernel's floor after a wrap).
    if (last < this.next - 1) this.next = 300;
    const now = process.hrtime.bigint();
    for (; this.next <= last; this.next++) this.unborn.set(this.next, now);
    for (const [pid, met] of this.unborn) {
      const s = stat(pid);
      if (s !== undefined) {
        this.unborn.delete(pid);
        if (s.ppid === this.parent) {
          this.children.add(pid);
          this.all.add(pid);
        }
      } else if (now - met > UNBORN_NS) this.unborn.delete(pid); // it came and went before we looked
    }
    for (const pid of this.children) {
      const argv = cmdline(pid);
      if (tokens.some((token) => argv.includes(token))) return pid;
      // An empty argv is a zombie — or a process in the middle of exec: only death removes it.
      if (argv === "" && !isAlive(pid)) this.children.delete(pid);
    }
    return undefined;
  }

  /**
   * Busy-polls until a child's argv carries one of `tokens` (the same pid goes through several
   * argvs as it execs: give each); the moment it was seen (hrtime ns), or undefined.
   */
  waitFor(tokens: readonly string[], withinMs: number): { pid: number; at: bigint } | undefined {
    const deadline = process.hrtime.bigint() + BigInt(withinMs) * 1_000_000n;
    for (;;) {
      const pid = this.poll(tokens);
      const now = process.hrtime.bigint();
      if (pid !== undefined) return { pid, at: now };
      if (now > deadline) return undefined;
    }
  }
}

/** Busy-waits until `at + ms` (hrtime ns): sub-millisecond kill moments. */
export function spinUntil(at: bigint, ms: number): void {
  const until = at + BigInt(Math.round(ms * 1_000_000));
  while (process.hrtime.bigint() < until) {
    // spin
  }
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every 10 ms for up to `withinMs`; its last answer. */
export async function eventually(check: () => boolean, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await sleep(10);
  }
  return check();
}

export function killAll(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/**
 * What a process left behind is doing, for a failure message: its state and kernel wait
 * channel, its open fds, and its children's argv — enough to tell "still reading its pipe"
 * (someone else holds the other end) from "stuck in a helper".
 */
export function describe(pid: number): string {
  const read = (path: string): string => {
    try {
      return readFileSync(path, "latin1").trim();
    } catch {
      return "?";
    }
  };
  const fds = (() => {
    try {
      return readdirSync(`/proc/${pid}/fd`).map((fd) => `${fd}→${readlinkSync(`/proc/${pid}/fd/${fd}`)}`);
    } catch {
      return [];
    }
  })();
  const children = readdirSync("/proc")
    .map(Number)
    .filter((p) => Number.isInteger(p) && stat(p)?.ppid === pid)
    .map((p) => `${p} ${stat(p)?.state} ${cmdline(p).replaceAll("\x00", " ").slice(0, 80)}`);
  const argv = cmdline(pid).replaceAll("\x00", " ");
  const s = stat(pid);
  const parent = cmdline(s?.ppid ?? 0)
    .replaceAll("\x00", " ")
    .slice(0, 40);
  return `pid ${pid} (ppid ${s?.ppid} "${parent}", start ${s?.startTime}) state ${s?.state} wchan ${read(`/proc/${pid}/wchan`)} argv[${argv.length}] fds [${fds.join(", ")}] children [${children.join("; ")}]`;
}

/** Who holds the other end of `pid`'s stdin socket (`ss -xp`, a fixed path): the process keeping a sentinel from its EOF. */
export function stdinPeers(pid: number): string {
  try {
    const link = readlinkSync(`/proc/${pid}/fd/0`);
    const inode = /socket:\[(\d+)\]/.exec(link)?.[1];
    if (inode === undefined) return `stdin ${link}`;
    const out = execFileSync("/usr/bin/ss", ["-xpn"], { encoding: "utf8" });
    const lines = out.split("\n").filter((line) => new RegExp(`\\s${inode}\\s`).test(line));
    return `stdin socket ${inode}: ${lines.map((l) => l.replace(/\s+/g, " ")).join(" | ")}`;
  } catch (error) {
    return `stdin peers unknown: ${(error as Error).message.split("\n")[0]}`;
  }
}
