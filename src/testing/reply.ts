/**
 * `Reply`: what a scripted command does. Immutable; `withStdout`, `withStderr` and `after`
 * return new replies.
 */
import type { Duration } from "../command/duration.js";
import { parseDuration } from "../command/duration.js";
import { parseSignal } from "../command/signals.js";
import { checkOptions, describe } from "../command/validate.js";
import { InvalidInputError } from "../errors.js";

/** How a scripted run ends. */
export type ReplyEnd =
  | { readonly kind: "exit"; readonly code: number }
  | { readonly kind: "signal"; readonly signal: NodeJS.Signals }
  | { readonly kind: "timeout" }
  | { readonly kind: "spawn-error"; readonly message: string }
  | { readonly kind: "pending" };

/** @internal One piece of output at a point of a scripted run's timeline (a replayed cassette). */
export interface ReplyChunk {
  readonly stream: "stdout" | "stderr";
  readonly data: Uint8Array;
  /** Pause before this chunk. */
  readonly delayMs: number;
}

/** @internal The plain data of a reply. */
export interface ReplyData {
  readonly end: ReplyEnd;
  readonly stdout: string;
  readonly stderr: string;
  /** Lines written one by one, each after `lineDelayMs`, before the end (stdout). */
  readonly lines: readonly string[];
  readonly lineDelayMs: number;
  /** Output of both streams in order, played after `stdout`/`stderr` and before `lines`. */
  readonly chunks: readonly ReplyChunk[];
  /** Extra time before the end (after the lines): how long the scripted run stays up. */
  readonly afterMs: number;
}

export interface LinesOptions {
  /** Pause before each line (paced output). Default 0: all at once. */
  delay?: Duration;
}

const BASE: Omit<ReplyData, "end"> = Object.freeze({
  stdout: "",
  stderr: "",
  lines: Object.freeze([]),
  lineDelayMs: 0,
  chunks: Object.freeze([]),
  afterMs: 0,
});

export class Reply {
  /** @internal */
  readonly data: ReplyData;

  private constructor(data: ReplyData) {
    this.data = Object.freeze(data);
  }

  /** Exit 0 with this stdout. */
  static ok(stdout = ""): Reply {
    return new Reply({ ...BASE, stdout: checkString(stdout, "Reply.ok"), end: { kind: "exit", code: 0 } });
  }

  /** Exit with `code` (an integer 0–255) and this stderr. */
  static fail(code: number, stderr = ""): Reply {
    if (typeof code !== "number" || !Number.isInteger(code) || code < 0 || code > 255) {
      throw new InvalidInputError(
        "code",
        `Reply.fail: ${describe(code)} is not an exit code (an integer 0-255)`,
      );
    }
    return new Reply({ ...BASE, stderr: checkString(stderr, "Reply.fail"), end: { kind: "exit", code } });
  }

  /** Writes these stdout lines (each followed by "\n"), paced by `delay`, then exits 0. */
  static lines(lines: readonly string[], options: LinesOptions = {}): Reply {
    if (!Array.isArray(lines)) {
      throw new InvalidInputError(
        "lines",
        `Reply.lines: expected an array of strings, got ${describe(lines)}`,
      );
    }
    for (const line of lines) checkString(line, "Reply.lines");
    checkOptions(options, "Reply.lines", ["delay"]);
    const lineDelayMs = options.delay === undefined ? 0 : parseDuration(options.delay, "Reply.lines.delay");
    return new Reply({
      ...BASE,
      lines: Object.freeze([...lines]),
      lineDelayMs,
      end: { kind: "exit", code: 0 },
    });
  }

  /**
   * The run hits its deadline. Bulk verbs answer at once with a timed-out result (the
   * command's `timeout` is reported as the deadline). Through `start()` the scripted child
   * hangs and the command's real deadline ends it (at once when the command has none).
   */
  static timeout(): Reply {
    return new Reply({ ...BASE, end: { kind: "timeout" } });
  }

  /** The leader is killed by `signal` (default SIGKILL). */
  static signalled(signal: NodeJS.Signals = "SIGKILL"): Reply {
    return new Reply({ ...BASE, end: { kind: "signal", signal: parseSignal(signal, "Reply.signalled") } });
  }

  /** The runner fails to start the program: the verb rejects with `SpawnError`. */
  static spawnError(message = "scripted spawn failure"): Reply {
    return new Reply({
      ...BASE,
      end: { kind: "spawn-error", message: checkString(message, "Reply.spawnError") },
    });
  }

  /**
   * Never ends on its own: it ends when the command's cancel signal fires (`CancelledError`),
   * its deadline passes (timed out), or it is killed or signalled (through `start()`).
   */
  static pending(): Reply {
    return new Reply({ ...BASE, end: { kind: "pending" } });
  }

  /** The same reply with this stdout (written before any `lines`). */
  withStdout(stdout: string): Reply {
    return new Reply({ ...this.data, stdout: checkString(stdout, "withStdout") });
  }

  /** The same reply with this stderr. */
  withStderr(stderr: string): Reply {
    return new Reply({ ...this.data, stderr: checkString(stderr, "withStderr") });
  }

  /** @internal The same reply playing this timeline of both streams (how cassettes replay). */
  withChunks(chunks: readonly ReplyChunk[]): Reply {
    return new Reply({ ...this.data, chunks: Object.freeze([...chunks]) });
  }

  /** The same reply, ending only after `delay` (the scripted run's uptime). */
  after(delay: Duration): Reply {
    return new Reply({ ...this.data, afterMs: parseDuration(delay, "after") });
  }

  toString(): string {
    const end = this.data.end;
    switch (end.kind) {
      case "exit":
        return this.data.lines.length > 0
          ? `Reply.lines(${this.data.lines.length})`
          : `Reply.exit(${end.code})`;
      case "signal":
        return `Reply.signalled(${end.signal})`;
      case "timeout":
        return "Reply.timeout()";
      case "spawn-error":
        return "Reply.spawnError()";
      case "pending":
        return "Reply.pending()";
    }
  }
}

function checkString(value: unknown, argument: string): string {
  if (typeof value !== "string") {
    throw new InvalidInputError(argument, `${argument}: expected a string, got ${describe(value)}`);
  }
  return value;
}
