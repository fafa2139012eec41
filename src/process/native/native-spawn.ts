/**
 * One native spawn: stdio made with pipe2(O_CLOEXEC) (real kernel pipes; our ends become Node
 * streams, so `io/` reads them as it reads a ChildProcess's), the environment as
 * "NAME=VALUE" strings handed to execve (never to any argv), and the container's placement —
 * born in a cgroup, or leader of a new session. Every fd opened here is closed whatever
 * happens; a child that could not exec was reaped by the addon and becomes an error carrying
 * the errno, shaped like Node's own spawn errors.
 */
import { closeSync, constants, openSync } from "node:fs";
import { Socket } from "node:net";
import { constants as osConstants } from "node:os";
import type { Placement } from "../../containment/container.js";
import type { NativeAddon } from "./addon.js";
import { NativeChild } from "./native-child.js";
import { errnoName } from "./spawn-path.js";

/** How one stdio slot is given to the child: a pipe to us, /dev/null, our own fd, or a given fd. */
export type NativeStdio = "pipe" | "ignore" | "inherit" | number;

/** Where the child goes: a container's placement, or beside us (`none`: tests, probes). */
export type NativePlacement = Placement | { readonly kind: "none" };

export interface NativeSpawnRequest {
  /** Absolute path, already resolved (execve does no PATH search). */
  readonly file: string;
  /** argv[0] first: what the program sees as its name. */
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** Set on top of `env` (they replace a variable of the same name). */
  readonly envAdditions?: Readonly<Record<string, string>> | undefined;
  readonly cwd?: string | undefined;
  readonly stdio: readonly [NativeStdio, NativeStdio, NativeStdio];
  readonly uid?: number | undefined;
  readonly gid?: number | undefined;
  readonly placement: NativePlacement;
  /** Test hook: join the cgroup by writing cgroup.procs, as on kernels without CLONE_INTO_CGROUP. */
  readonly forceWriteJoin?: boolean;
}

/** The child could not be started: errno name in `code`, the failing step in `step`. */
export interface NativeSpawnError extends NodeJS.ErrnoException {
  readonly step: string;
}

// libuv opens every file with O_CLOEXEC: none of these fds leaks into a child on its own.
let devNull: number | undefined;

/** One /dev/null for every "ignore" slot, opened once (the child gets a dup of it). */
function devNullFd(): number {
  devNull ??= openSync("/dev/null", constants.O_RDWR);
  return devNull;
}

/** `NAME=value` strings of `env` with `additions` on top, reading `env` (often process.env, slow to enumerate) once. */
function envStrings(
  env: NodeJS.ProcessEnv,
  additions: Readonly<Record<string, string>> | undefined,
): string[] {
  const out: string[] = [];
  for (const name of Object.keys(env)) {
    if (additions !== undefined && Object.hasOwn(additions, name)) continue;
    const value = env[name];
    if (value !== undefined) out.push(`${name}=${value}`);
  }
  if (additions !== undefined)
    for (const name of Object.keys(additions)) out.push(`${name}=${additions[name]}`);
  return out;
}

function spawnError(file: string, errno: number, step: string): NativeSpawnError {
  const code = errnoName(errno);
  const where = step === "exec" || step === "clone3" ? "" : ` (${step})`;
  const error = new Error(`spawn ${file} ${code}${where}`) as NativeSpawnError & { step: string };
  error.code = code;
  error.errno = -errno;
  error.syscall = `spawn ${file}`;
  error.path = file;
  error.step = step;
  return error;
}

export function spawnNative(addon: NativeAddon, request: NativeSpawnRequest): NativeChild {
  const childEnds: number[] = []; // ours to close once the child has its copies
  const ourEnds: (number | undefined)[] = [undefined, undefined, undefined];
  let cgroupFd = -1;
  let handedOver = false;
  try {
    const fds = request.stdio.map((mode, slot) => {
      if (typeof mode === "number") return mode;
      if (mode === "inherit") return slot;
      if (mode === "ignore") return devNullFd();
      const [read, write] = addon.pipe();
      const [theirs, ours] = slot === 0 ? [read, write] : [write, read];
      childEnds.push(theirs);
      ourEnds[slot] = ours;
      return theirs;
    }) as [number, number, number];
    const { placement } = request;
    if (placement.kind === "cgroup")
      cgroupFd = openSync(placement.dir, constants.O_RDONLY | constants.O_DIRECTORY);
    const result = addon.spawn(
      request.file,
      request.argv,
      envStrings(request.env, request.envAdditions),
      request.cwd ?? null,
      fds,
      placement.kind === "new-session" ? -1 : 0,
      cgroupFd,
      request.forceWriteJoin === true,
      request.uid ?? -1,
      request.gid ?? -1,
      null,
      placement.kind === "new-session" ? (placement.ledgerFd ?? -1) : -1,
    );
    if ("errno" in result) throw spawnError(request.file, result.errno, result.step);
    const stdio = {
      stdin:
        ourEnds[0] === undefined ? null : new Socket({ fd: ourEnds[0], readable: false, writable: true }),
      stdout:
        ourEnds[1] === undefined ? null : new Socket({ fd: ourEnds[1], readable: true, writable: false }),
      stderr:
        ourEnds[2] === undefined ? null : new Socket({ fd: ourEnds[2], readable: true, writable: false }),
    };
    handedOver = true;
    try {
      return new NativeChild(addon, result.pid, result.pidfd, stdio);
    } catch (error) {
      // Its exit could not be watched (the loop refused the pidfd): never leave it running.
      addon.kill(result.pidfd, osConstants.signals.SIGKILL);
      addon.close(result.pidfd);
      for (const stream of [stdio.stdin, stdio.stdout, stdio.stderr]) stream?.destroy();
      throw error;
    }
  } finally {
    for (const fd of childEnds) addon.close(fd);
    if (cgroupFd >= 0) closeSync(cgroupFd);
    if (!handedOver) for (const fd of ourEnds) if (fd !== undefined) addon.close(fd);
  }
}
