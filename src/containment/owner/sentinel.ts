/**
 * An owner-death sentinel: a tiny /bin/sh (the owner keeps two, see registry.ts), started
 * detached with our end of a socket as its stdin. It ignores the usual termination signals and just reads.
 * When the pipe reaches EOF — the owner exited, threw, was SIGKILLed, or its worker thread
 * was terminated — it kills the owner cgroup (recursively, via cgroup.kill) and every
 * registered process group, waits for the cgroup to empty, and removes it depth-first.
 * Process groups are registered in a ledger file it reads only then (see ledger.ts), so a
 * spawn never wakes it; where no ledger file can be made they go through the pipe. Last, it
 * removes the owner's scratch directory (the ledger, pipeline FIFOs; see scratch.ts). Under
 * process groups it also kills escapees that kept this owner's run marker (SWEEP_MARKED).
 * The kill is repeated while it waits (up to 5 s): a launcher the owner spawned just before
 * dying was still outside the cgroup at the first kill and may join it afterwards.
 *
 * The sentinel is `unref`'d (it never keeps the owner alive). One that dies while the owner
 * lives is replaced on its exit event and, synchronously, by `ensure()` before the next spawn
 * (the exit event may come too late). Its helpers (`rmdir`, `sleep`, `rm`) come from fixed
 * system directories.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readSync } from "node:fs";
import { ownerToken } from "../pgroup/run-marker.js";

/**
 * Escapees under process groups (see pgroup/run-marker.ts): SIGKILL every process newer than
 * the owner (by pid; all of them once the pid counter wrapped) whose environment carries one
 * of this owner's marker tokens. One grep over their environ files per round, three rounds at
 * most while each finds new ones (grep's status is not used: a process that vanished mid-scan
 * makes it 2 even with matches), then three more after pauses: a process caught inside an
 * execve reads an empty environment for a moment (pgroup/escapees.ts measures it).
 * The candidates go to grep 256 at a time: growing one argument list by `set -- "$@" …` is
 * quadratic (4,000 processes took 4 s a round in dash, 16,000 took 54 s), and one list for
 * every process could pass the kernel's limit on a huge host.
 */
export const SWEEP_MARKED = `marked_in_candidates() {
  set --
  for d in /proc/[0-9]*; do
    p=\${d#/proc/}
    if [ "$p" -gt "$since" ] 2>/dev/null || [ "$last" -lt "$since" ] 2>/dev/null; then
      [ -n "$listed" ] || { echo candidates; listed=1; }
      set -- "$@" "$d/environ"
      if [ $# -ge 256 ]; then grep -lzsE "^PROCESSKIT_RUN=(.*:)?$mark[.]" "$@"; set --; fi
    fi
  done
  [ $# -eq 0 ] || grep -lzsE "^PROCESSKIT_RUN=(.*:)?$mark[.]" "$@"
}
sweep_marked() {
  [ -n "$mark" ] || return 0
  last=0
  IFS= read -r last < /proc/sys/kernel/ns_last_pid 2>/dev/null
  round=0
  late=0
  while [ $round -lt 3 ] || [ $late -lt 3 ]; do
    if [ $round -ge 3 ]; then late=$((late + 1)); sleep 0.0$((late * 3)); fi
    found=$(listed=; marked_in_candidates)
    [ -n "$found" ] || return 0
    hits=\${found#candidates}
    set -- $hits
    if [ $# -gt 0 ]; then
      for f in $hits; do f=\${f#/proc/}; kill -KILL "\${f%/environ}" 2>/dev/null; done
      round=$((round + 1))
    else
      round=3
    fi
  done
}`;

const SCRIPT = `
trap '' INT HUP TERM QUIT PIPE USR1 USR2
cg=$0
scratch=$1
mark=$2
since=$3
${SWEEP_MARKED}
seen=
note() {
  p=\${1#[+-]}
  case $p in ''|*[!0-9]*) return ;; esac
  eval "s=\\\${g$p-}"
  [ -n "$s" ] || seen="$seen $p"
  case $1 in +*) eval "g$p=1" ;; *) eval "g$p=0" ;; esac
}
while IFS= read -r line; do
  case $line in
    =*) cg=\${line#=} ;;
    *) note "$line" ;;
  esac
done
if [ -n "$scratch" ] && [ -d "$scratch" ]; then
  for ledger in "$scratch"/groups-*; do
    [ -f "$ledger" ] || continue
    while IFS= read -r line; do note "$line"; done < "$ledger"
  done
fi
if [ -n "$cg" ] && [ -d "$cg" ]; then echo 1 > "$cg/cgroup.kill" 2>/dev/null; fi
for p in $seen; do eval "s=\\$g$p"; [ "$s" = 1 ] && kill -KILL -$p 2>/dev/null; done
sweep_marked
rmtree() {
  for d in "$1"/*/; do [ -d "$d" ] && rmtree "\${d%/}"; done
  rmdir "$1" 2>/dev/null
}
i=0
while [ -n "$cg" ] && [ -d "$cg" ] && [ $i -lt 250 ]; do
  echo 1 > "$cg/cgroup.kill" 2>/dev/null
  first=
  IFS= read -r first < "$cg/cgroup.events" 2>/dev/null
  if [ "$first" != "populated 1" ]; then rmtree "$cg"; [ -d "$cg" ] || break; fi
  sleep 0.02
  i=$((i + 1))
done
if [ -n "$scratch" ] && [ -d "$scratch" ]; then rm -rf -- "$scratch"; fi
`;

const UNREGISTER_BATCH_MS = 100;

/** Fixed system directories only: the sentinel never resolves helpers through the user's PATH. */
const SYSTEM_PATH = "/usr/bin:/bin";

/** What a (re)spawned sentinel must know: the owner cgroup ("" if none), the scratch directory, the groups to replay. */
export interface SentinelState {
  readonly cgroupDir: string;
  readonly scratch: string | null;
  /** Groups that go through the pipe (no ledger file): replayed into a new sentinel. Empty with a ledger. */
  readonly pipeGroups: Iterable<number>;
}

const probe = Buffer.alloc(1);

export class Sentinel {
  private child: ChildProcess | undefined;
  private stopped = false;
  private deferred = "";
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(private readonly state: () => SentinelState) {
    this.spawn();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * Whether the sentinel process still lives, known synchronously: a non-blocking read on our
   * end of its stdin socket says EAGAIN while it holds the other end and EOF once it died —
   * before Node has reaped it or emitted its exit event (~6 µs, no /proc read).
   */
  isAlive(): boolean {
    const child = this.child;
    if (child === undefined) return false;
    const fd = (child.stdin as unknown as { _handle?: { fd?: unknown } } | null)?._handle?.fd;
    if (typeof fd !== "number" || fd < 0) return child.exitCode === null && child.signalCode === null;
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return readSync(fd, probe, 0, 1, null) !== 0; // it never writes: 0 bytes is EOF
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "EAGAIN";
    } finally {
      Error.stackTraceLimit = limit;
    }
  }

  /** Replaces a dead sentinel now, so the spawn that follows is covered. */
  ensure(): void {
    if (!this.stopped && !this.isAlive()) this.spawn();
  }

  /** A group registered through the pipe (only where the owner has no ledger file). */
  register(pgid: number): void {
    this.send(`${this.takeDeferred()}+${pgid}\n`);
  }

  /**
   * Deferred and batched: each write wakes the sentinel (a context switch, ~80 µs on a busy
   * 2-core machine), and back-to-back runs would pay it twice. A stale registration for a few
   * ms is harmless: a pgid is only reused after the pid space wraps.
   */
  unregister(pgid: number): void {
    this.deferred += `-${pgid}\n`;
    if (this.flushTimer === undefined) {
      this.flushTimer = setTimeout(() => this.send(this.takeDeferred()), UNREGISTER_BATCH_MS);
      this.flushTimer.unref();
    }
  }

  private takeDeferred(): string {
    const lines = this.deferred;
    this.deferred = "";
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    return lines;
  }

  /** The owner cgroup to kill and remove on owner death. */
  setCgroup(dir: string): void {
    this.send(`=${dir}\n`);
  }

  /** Tests and orderly shutdown: close our end, the sentinel cleans up and exits. */
  stop(): void {
    this.stopped = true;
    this.send(this.takeDeferred());
    this.child?.stdin?.end();
  }

  /** A small write to a fresh socket goes out synchronously (libuv tries the write at once). */
  private send(line: string): void {
    if (line === "") return;
    const stdin = this.child?.stdin;
    if (stdin && !stdin.destroyed) stdin.write(line);
  }

  private spawn(): void {
    const { cgroupDir, scratch, pipeGroups } = this.state();
    let child: ChildProcess;
    try {
      child = spawn("/bin/sh", ["-c", SCRIPT, cgroupDir, scratch ?? "", ownerToken(), String(process.pid)], {
        detached: true,
        stdio: ["pipe", "ignore", "ignore"],
        env: { PATH: SYSTEM_PATH },
        cwd: "/",
      });
    } catch {
      this.child = undefined;
      return; // no /bin/sh: the exit sweep still covers orderly exits
    }
    const previous = this.child;
    this.child = child;
    // The dead one's socket: ours to close (its exit event may never matter any more).
    if (previous !== undefined && previous !== child) previous.stdin?.destroy();
    child.on("error", () => {});
    child.stdin?.on("error", () => {});
    child.once("exit", () => {
      // Killed while we live and not replaced yet: start a new one so owner death stays covered.
      if (this.child === child && !this.stopped) this.spawn();
    });
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    if (child.pid === undefined) return; // spawn failed (reported on 'error'): nothing to replay into
    // A ledger outlives a respawn (same file); only pipe registrations must be replayed.
    for (const pgid of pipeGroups) this.register(pgid);
  }
}
