/**
 * The launch gate: the /bin/sh launcher waits on fd 3 for one line from the owner before it
 * execs the target, and the owner writes that line only once the leader is registered (its
 * group in the ledger, its pid tracked). An owner that dies first closes its end: the
 * launcher reads EOF, its `&&` chain stops and the target never runs — there is no moment in
 * which an unregistered target runs. fd 3 is closed again before the exec, so the target
 * never sees it.
 */
import type { ChildProcess, StdioOptions } from "node:child_process";
import { writeSync } from "node:fs";

export const GATE_FD = 3;

/**
 * The shell variable `read` needs a name; one the environment may carry too, so the launcher
 * restores it afterwards when the target's environment had it (see launcher.ts).
 */
export const GATE_VARIABLE = "PROCESSKIT_GATE";

/** The launcher step that waits; fails (stops the chain) on EOF. */
export const GATE_STEP = `read -r ${GATE_VARIABLE} <&${GATE_FD}`;

/** The exec of the target with the gate closed. */
export const GATED_EXEC = `exec "$@" ${GATE_FD}<&-`;

/** The spawn's stdio with a socket from us at fd 3. */
export function withGate(stdio: StdioOptions | undefined): StdioOptions {
  const base = stdio === undefined ? "pipe" : stdio;
  const three = typeof base === "string" ? [base, base, base] : [...base];
  while (three.length < GATE_FD) three.push("pipe");
  three[GATE_FD] = "pipe";
  return three;
}

/**
 * Lets the launcher go on: one newline written synchronously on our end of the socket, then
 * our end closed (Node counts it among the streams a child's 'close' waits for). A child
 * without a gate (a native spawn, a plan without one) is left alone.
 */
export function openGate(child: ChildProcess | object): void {
  // Only a gated launcher's spawn has a socket at fd 3 (a native child has no `stdio` array).
  const stdio = (child as Partial<Pick<ChildProcess, "stdio">>).stdio;
  const socket = stdio?.[GATE_FD] as (NodeJS.WritableStream & { destroy(): void }) | null | undefined;
  if (socket === null || socket === undefined) return;
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (typeof fd === "number" && fd >= 0) {
    try {
      writeSync(fd, "\n");
    } catch {
      // the launcher is already gone (killed): nothing to let through
    }
    socket.destroy();
    return;
  }
  socket.end("\n", () => socket.destroy());
}
