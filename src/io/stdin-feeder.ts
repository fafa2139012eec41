/**
 * Feeds a stdin source into the child's stdin pipe in the background, honouring backpressure,
 * then closes it (EOF). A child that exits or closes stdin early makes writes fail with EPIPE
 * (or the stream be destroyed): that is normal and never reported. Any other failure — a
 * source that throws or errors — is returned so the run can report `StdinError`.
 * (A `{ file }` source never comes here: the launcher hands the open file to the child.)
 */

import type { Writable } from "node:stream";
import type { StdinSpec } from "../command/spec.js";
import { describe } from "../command/validate.js";
import { StdinError } from "../errors.js";

const BENIGN = new Set(["EPIPE", "ECONNRESET", "ERR_STREAM_DESTROYED", "ERR_STREAM_WRITE_AFTER_END", "EOF"]);

export function isBenignStdinError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && BENIGN.has(code);
}

/** One-shot sources (generators, async iterables, Readables) already handed to a child. */
const claimed = new WeakSet<object>();

/**
 * Called just before a spawn. A one-shot source has nothing left for a second run: feeding it
 * again would silently give the child an empty stdin, so the second run fails loudly instead
 * (before anything is spawned). Replayable sources (strings, bytes, arrays, files) are fine.
 */
export function claimStdinSource(spec: StdinSpec, program: string): void {
  const source =
    spec.kind === "lines" && spec.oneShot
      ? spec.lines
      : spec.kind === "async"
        ? spec.source
        : spec.kind === "readable"
          ? spec.stream
          : undefined;
  if (source === undefined) return;
  const spent =
    claimed.has(source) || (spec.kind === "readable" && (spec.stream.readableEnded || spec.stream.destroyed));
  if (spent) {
    throw new StdinError(
      program,
      "the stdin source was already consumed by an earlier run (generators, async iterables and streams are one-shot; use a string, bytes, an array or a file to run again)",
    );
  }
  claimed.add(source);
}

export interface StdinFeed {
  /** Resolves with the first non-benign error, or undefined, once feeding stopped. Never rejects. */
  readonly done: Promise<Error | undefined>;
  /** Ends feeding now (the run is over): loops stop, a piped Readable is unpiped, the pipe is closed. */
  stop(): void;
}

export function feedStdin(spec: StdinSpec, stdin: Writable): StdinFeed {
  let failure: Error | undefined;
  let closed = false;
  let unpipe: (() => void) | undefined;
  // The error listener must exist for the whole life of the pipe: an EPIPE with no listener crashes the host.
  stdin.on("error", (error: Error) => {
    closed = true;
    if (!isBenignStdinError(error)) failure ??= error;
  });
  stdin.once("close", () => {
    closed = true;
  });
  const fail = (error: unknown) => {
    if (!isBenignStdinError(error)) failure ??= error instanceof Error ? error : new Error(String(error));
  };

  const run = async (): Promise<void> => {
    switch (spec.kind) {
      case "bytes":
        if (spec.data.length > 0) stdin.write(spec.data);
        break;
      case "lines":
        for (const line of spec.lines as Iterable<unknown>) {
          if (closed) return;
          // A lazy iterable is only seen here: anything but text or bytes fails the feed (StdinError).
          if (!isPiece(line))
            throw new TypeError(`stdin yielded ${describe(line)}, not a string or a Uint8Array`);
          if (!stdin.write(typeof line === "string" ? `${line}\n` : line)) await drained(stdin);
        }
        break;
      case "async":
        for await (const piece of spec.source as AsyncIterable<unknown>) {
          if (closed) return;
          if (!isPiece(piece))
            throw new TypeError(`stdin yielded ${describe(piece)}, not a string or a Uint8Array`);
          if (!stdin.write(typeof piece === "string" ? `${piece}\n` : piece)) await drained(stdin);
        }
        break;
      case "readable":
        await new Promise<void>((resolve) => {
          const source = spec.stream;
          const finish = (error?: unknown) => {
            if (error !== undefined) fail(error);
            source.off("error", finish);
            source.off("end", onEnd);
            stdin.off("close", onEnd);
            source.unpipe(stdin);
            unpipe = undefined;
            resolve();
          };
          const onEnd = () => finish();
          unpipe = onEnd;
          source.on("error", finish);
          source.once("end", onEnd);
          stdin.once("close", onEnd);
          source.pipe(stdin, { end: true });
        });
        return;
      default:
        break;
    }
  };

  // EOF after the source ends *or fails*: a child waiting for the rest of a broken source would
  // otherwise wait forever. The failure itself is reported (StdinError) if the run succeeds.
  const done = run()
    .catch(fail)
    .then(() => {
      if (!closed && !stdin.writableEnded && !stdin.destroyed) stdin.end();
      return failure;
    });
  return {
    done,
    stop() {
      closed = true;
      unpipe?.();
      if (!stdin.destroyed) stdin.destroy();
    },
  };
}

function drained(stdin: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stdin.off("drain", done);
      stdin.off("close", done);
      resolve();
    };
    stdin.on("drain", done);
    stdin.on("close", done);
  });
}

function isPiece(value: unknown): value is string | Uint8Array {
  return typeof value === "string" || value instanceof Uint8Array;
}
