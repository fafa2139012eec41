/**
 * The owner-death sentinel: one tiny /bin/sh per owner (per event loop), started detached with
 * our end of a pipe as its stdin. It ignores the usual termination signals and just reads.
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
 * The sentinel is `unref`'d (it never keeps the owner alive) and is respawned if it dies while
 * the owner lives. Its helpers (`rmdir`, `sleep`) come from fixed system directories.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { ownerToken } from "../pgroup/run-marker.js";
import { GroupLedger } from "./ledger.js";

/**
 * Escapees under process groups (see pgroup/run-marker.ts): SIGKILL every process newer than
 * the owner (by pid; all of them once the pid counter wrapped) whose environment carries one
 * of this owner's marker tokens. One grep over their environ files, three rounds at most
 * (grep's status is not used: a process that vanished mid-scan makes it 2 even with matches).
 */
const SWEEP_MARKED = `sweep_marked() {
  [ -n "$mark" ] || return 0
  last=0
  IFS= read -r last < /proc/sys/kernel/ns_last_pid 2>/dev/null
  round=0
  while [ $round -lt 3 ]; do
    set --
    for d in /proc/[0-9]*; do
      p=\${d#/proc/}
      if [ "$p" -gt "$since" ] 2>/dev/null || [ "$last" -lt "$since" ] 2>/dev/null; then set -- "$@" "$d/environ"; fi
    done
    [ $# -gt 0 ] || return 0
    hits=$(grep -lzsE "^PROCESSKIT_RUN=(.*:)?$mark[.]" "$@")
    [ -n "$hits" ] || return 0
    for f in $hits; do f=\${f#/proc/}; kill -KILL "\${f%/environ}" 2>/dev/null; done
    round=$((round + 1))
  done
}`;

const SCRIPT = `
trap '' INT HUP TERM QUIT PIPE USR1 USR2
cg=$0
scratch=$1
mark=$2
since=$3
${SWEEP_MARKED}
groups=' '
note() {
  case $1 in
    +*) groups="$groups\${1#+} " ;;
    -*) p=\${1#-}
        case $groups in *" $p "*) groups="\${groups%%" $p "*} \${groups#*" $p "}" ;; esac ;;
  esac
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
for p in $groups; do kill -KILL -$p 2>/dev/null; done
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

export class Sentinel {
  private child: ChildProcess | undefined;
  private stopped = false;
  private deferred = "";
  private flushTimer: NodeJS.Timeout | undefined;

  private readonly ledger: GroupLedger | undefined;

  /** @param state what to replay into a (re)spawned sentinel: the owner cgroup ("" if none) and live groups. */
  constructor(
    private readonly state: () => { cgroupDir: string; groups: Iterable<number> },
    private readonly scratch: string | null,
  ) {
    this.ledger = GroupLedger.create(scratch, () => this.state().groups);
    this.spawn();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Recorded at once: the window in which an owner SIGKILL could leak a new group stays microseconds wide. */
  register(pgid: number): void {
    if (this.ledger !== undefined) this.ledger.add(pgid);
    else this.send(`${this.takeDeferred()}+${pgid}\n`);
  }

  /**
   * Without a ledger, deferred and batched: each write wakes the sentinel (a context switch, ~80 µs on a busy
   * 2-core machine), and back-to-back runs would pay it twice. A stale registration for a few
   * ms is harmless: a pgid is only reused after the pid space wraps.
   */
  unregister(pgid: number): void {
    if (this.ledger !== undefined) {
      this.ledger.remove(pgid);
      return;
    }
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

  private send(line: string): void {
    if (line === "") return;
    const stdin = this.child?.stdin;
    if (stdin && !stdin.destroyed) stdin.write(line);
  }

  private spawn(): void {
    let child: ChildProcess;
    try {
      child = spawn("/bin/sh", ["-c", SCRIPT, "", this.scratch ?? "", ownerToken(), String(process.pid)], {
        detached: true,
        stdio: ["pipe", "ignore", "ignore"],
        env: { PATH: SYSTEM_PATH },
        cwd: "/",
      });
    } catch {
      return; // no /bin/sh: the exit sweep still covers orderly exits
    }
    child.on("error", () => {});
    child.stdin?.on("error", () => {});
    child.once("exit", () => {
      if (this.child === child) this.child = undefined;
      // Killed while we live: start a new one so owner death stays covered.
      if (!this.stopped) this.spawn();
    });
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    this.child = child;
    const { cgroupDir, groups } = this.state();
    if (cgroupDir !== "") this.setCgroup(cgroupDir);
    // A ledger outlives a respawn (same file); only pipe registrations must be replayed.
    if (this.ledger === undefined) for (const pgid of groups) this.register(pgid);
  }
}
