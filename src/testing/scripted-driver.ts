/**
 * A `ProcessDriver` that plays a `Reply`: canned bytes on real `Readable` streams, paced
 * lines, a scripted exit. `RunningProcess` drives it exactly like a real child, so pumps,
 * line handlers, output limits, deadlines and cancellation all behave as in production.
 * Signals behave like on a default-configured process: most end it, a few are ignored.
 */
import { Readable, Writable } from "node:stream";
import type { StoppableTree } from "../containment/stop.js";
import type { LeaderExit, ProcessDriver } from "../process/driver.js";
import { after, type Cancellable } from "../process/timer.js";
import type { ReplyData } from "./reply.js";

function nextTurn(fn: () => void): Cancellable {
  const handle = setImmediate(fn);
  return { cancel: () => clearImmediate(handle) };
}

/** Signals whose default action is not to terminate (stop/continue/ignore). */
const NON_FATAL: ReadonlySet<string> = new Set([
  "SIGCHLD",
  "SIGCONT",
  "SIGURG",
  "SIGWINCH",
  "SIGSTOP",
  "SIGTSTP",
  "SIGTTIN",
  "SIGTTOU",
]);

export class ScriptedDriver implements ProcessDriver, StoppableTree {
  readonly pid = undefined;
  readonly mechanism = "scripted";
  readonly stdin: Writable | null;
  readonly stdout = new Readable({ read() {} });
  readonly stderr = new Readable({ read() {} });
  readonly exited: Promise<LeaderExit>;
  private resolveExit!: (exit: LeaderExit) => void;
  private timer: Cancellable | undefined;
  private done = false;

  constructor(
    private readonly reply: ReplyData,
    options: { readonly interactive: boolean },
  ) {
    // An interactive child gets a sink (writes succeed, nobody reads); otherwise no stdin pipe.
    this.stdin = options.interactive
      ? new Writable({
          write(_chunk, _encoding, callback) {
            callback();
          },
        })
      : null;
    this.exited = new Promise((resolve) => {
      this.resolveExit = resolve;
    });
    if (reply.stdout.length > 0) this.stdout.push(Buffer.from(reply.stdout));
    if (reply.stderr.length > 0) this.stderr.push(Buffer.from(reply.stderr));
    this.playChunks(0);
  }

  /**
   * The timeline of both streams. An undelayed chunk on the other stream than the one before
   * waits one turn of the event loop, so the pumps see the two streams in the recorded order.
   */
  private playChunks(index: number): void {
    if (this.done) return;
    const chunk = this.reply.chunks[index];
    if (chunk === undefined) {
      this.playLines(0);
      return;
    }
    const write = () => {
      if (this.done) return;
      (chunk.stream === "stdout" ? this.stdout : this.stderr).push(chunk.data);
      this.playChunks(index + 1);
    };
    const switched = index > 0 && this.reply.chunks[index - 1]?.stream !== chunk.stream;
    if (chunk.delayMs > 0) this.timer = after(chunk.delayMs, write);
    else if (switched) this.timer = nextTurn(write);
    else write();
  }

  private playLines(index: number): void {
    const { lines, lineDelayMs } = this.reply;
    if (this.done) return;
    if (index >= lines.length) {
      this.afterLines();
      return;
    }
    const write = () => {
      if (this.done) return;
      if (lineDelayMs > 0) {
        this.stdout.push(Buffer.from(`${lines[index]}\n`));
        this.playLines(index + 1);
        return;
      }
      // No pacing: everything at once.
      this.stdout.push(
        Buffer.from(
          lines
            .slice(index)
            .map((l) => `${l}\n`)
            .join(""),
        ),
      );
      this.afterLines();
    };
    if (lineDelayMs > 0) this.timer = after(lineDelayMs, write);
    else write();
  }

  private afterLines(): void {
    const { afterMs } = this.reply;
    if (afterMs > 0) this.timer = after(afterMs, () => this.finish());
    else this.finish();
  }

  /** The scripted end: an exit or a signal now; pending and timeout replies hang until killed. */
  private finish(): void {
    const end = this.reply.end;
    if (end.kind === "exit") this.exit({ code: end.code, signal: null });
    else if (end.kind === "signal") this.exit({ code: null, signal: end.signal });
  }

  private exit(exit: LeaderExit): void {
    if (this.done) return;
    this.done = true;
    this.timer?.cancel();
    this.stdout.push(null);
    this.stderr.push(null);
    this.stdin?.destroy();
    this.resolveExit(exit);
  }

  get tree(): StoppableTree {
    return this;
  }

  signal(signal: NodeJS.Signals): void {
    if (!NON_FATAL.has(signal)) this.exit({ code: null, signal });
  }

  kill(): void {
    this.exit({ code: null, signal: "SIGKILL" });
  }

  waitEmpty(withinMs: number): Promise<boolean> {
    if (this.done) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = after(withinMs, () => resolve(false));
      void this.exited.then(() => {
        timer.cancel();
        resolve(true);
      });
    });
  }

  release(): void {
    this.timer?.cancel();
  }
}
