/**
 * What a `RunningProcess` drives: a leader with pipes and a tree around it. The real driver
 * wraps a Node `ChildProcess` in a container; test doubles (`ScriptedRunner`) provide canned
 * streams and a fake exit, and get the same pumps, deadlines and line machinery for free.
 */
import type { ChildProcess } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import type { Container } from "../containment/container.js";
import type { StoppableTree } from "../containment/stop.js";
import type { NativeChild } from "./native/native-child.js";

export interface LeaderExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ProcessDriver {
  readonly pid: number | undefined;
  /** "cgroup-v2", "process-group" or a test double's name. */
  readonly mechanism: string;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** Resolves once the leader has exited (and was reaped). Never rejects. */
  readonly exited: Promise<LeaderExit>;
  /** The leader's whole tree: its container, or a test double's pretend one. */
  readonly tree: StoppableTree;
  /** Frees the container (after the run). */
  release(): void;
}

/** The driver for a real child inside a container. */
export class ChildDriver implements ProcessDriver {
  readonly exited: Promise<LeaderExit>;

  private readonly killOnRelease: boolean;
  private readonly stdoutOverride: Readable | undefined;

  /**
   * @param options.killOnRelease private containers kill leftovers when the run ends; a run
   *   inside a shared group (or a pipeline stage) leaves them to the enclosing container.
   * @param options.stdout the read end of a pipe we made ourselves (2>&1), in place of Node's.
   */
  constructor(
    private readonly child: ChildProcess | NativeChild,
    private readonly container: Container,
    options: { killOnRelease?: boolean; stdout?: Readable } = {},
  ) {
    this.killOnRelease = options.killOnRelease ?? true;
    this.stdoutOverride = options.stdout;
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        if (child.pid !== undefined) container.reaped(child.pid);
        resolve({ code, signal });
      });
    });
    // Errors after a successful spawn (a failed kill, say) must never become unhandled.
    child.on("error", () => {});
  }

  get pid(): number | undefined {
    return this.child.pid;
  }
  get mechanism(): string {
    return this.container.mechanism;
  }
  get stdin(): Writable | null {
    return this.child.stdin;
  }
  get stdout(): Readable | null {
    return this.stdoutOverride ?? this.child.stdout;
  }
  get stderr(): Readable | null {
    return this.child.stderr;
  }

  get tree(): StoppableTree {
    return this.container;
  }
  release(): void {
    this.container.release({ kill: this.killOnRelease });
  }
}
