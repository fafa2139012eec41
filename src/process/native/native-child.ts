/**
 * A child spawned by the native core, shaped like the part of Node's `ChildProcess` the run
 * path uses: `pid`, the three stdio streams (or null), an 'exit' event with (code, signal
 * name) and `kill()`. Exit comes from the pidfd watched on the event loop; signals go through
 * `pidfd_send_signal`, so a signal can never reach a process that reused the pid.
 */
import { EventEmitter } from "node:events";
import { constants } from "node:os";
import type { Readable, Writable } from "node:stream";
import type { NativeAddon, NativeWatch } from "./addon.js";

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(
  Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]),
);

export interface NativeChildStdio {
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
}

export class NativeChild extends EventEmitter {
  readonly pid: number;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  private exited = false;
  private readonly watch: NativeWatch;

  constructor(
    private readonly addon: NativeAddon,
    pid: number,
    private readonly pidfd: number,
    stdio: NativeChildStdio,
  ) {
    super();
    this.pid = pid;
    this.stdin = stdio.stdin;
    this.stdout = stdio.stdout;
    this.stderr = stdio.stderr;
    const watch = addon.watch(pidfd, pid, (code, signal) => this.onExit(code, signal));
    if (typeof watch === "number") throw new Error(`cannot watch the child's pidfd (errno ${watch})`);
    this.watch = watch;
  }

  /** Like ChildProcess.unref: a running child no longer keeps the event loop alive. */
  unref(): void {
    if (!this.exited) this.addon.ref(this.watch, false);
  }

  ref(): void {
    if (!this.exited) this.addon.ref(this.watch, true);
  }

  /** Like ChildProcess.kill: true when the signal was sent; false once the child has exited. */
  kill(signal: NodeJS.Signals | number = "SIGTERM"): boolean {
    if (this.exited) return false;
    const number = typeof signal === "number" ? signal : constants.signals[signal];
    if (number === undefined) throw new TypeError(`unknown signal ${String(signal)}`);
    return this.addon.kill(this.pidfd, number) === 0;
  }

  private onExit(code: number | null, signal: number | null): void {
    this.exited = true; // the pidfd is closed by now
    this.exitCode = code;
    this.signalCode = signal === null ? null : (SIGNAL_NAMES.get(signal) ?? null);
    this.emit("exit", this.exitCode, this.signalCode);
  }
}
