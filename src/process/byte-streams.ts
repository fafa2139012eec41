/**
 * The Node stream faces of a run (issue 15): `readable()` (raw output bytes), `writable()`
 * (stdin), and the async iterable of chunks, shared by `RunningProcess` and
 * `PipelineProcess` (which hands over its last stage's pumps and the chain's verdict).
 *
 * - Backpressure reaches the child: when the Readable's buffer is full the pump holds the
 *   pipe (the child blocks on write), and `_read` releases it.
 * - Errors after the data: when the output ended, the run's verdict is awaited; a failure
 *   (exit, timeout, signal, cancel — the verbs' own typed errors) destroys the stream with
 *   that error only once every buffered chunk was read, a success ends it.
 * - Early destruction: a destroyed `readable()` kills the run (the reader is gone, as with a
 *   shell pipe's SIGPIPE); breaking out of `chunks()` only stops delivery, like a `break`
 *   out of `stdoutLines()`, and the pipe keeps draining.
 */
import { Readable, Writable } from "node:stream";
import { StdinError } from "../errors.js";
import type { OutputPump } from "../io/output-pump.js";
import { isBenignStdinError } from "../io/stdin-feeder.js";

/** Which output a byte stream reads: one stream, or both interleaved in arrival order. */
export type ByteSource = "stdout" | "stderr" | "all";

export interface ReadableOptions {
  /** Default "stdout". */
  readonly from?: ByteSource;
}

const HIGH_WATER = 1024 * 1024;

/**
 * @internal A Readable of the pumps' raw bytes. `verdict` resolves after the run with the error the
 * stream should end with (or undefined); `onAbandon` runs when it is destroyed before the end.
 */
export function byteReadable(
  pumps: readonly OutputPump[],
  verdict: () => Promise<Error | undefined>,
  onAbandon: () => void,
): Readable {
  const holder = {};
  let open = pumps.length;
  let dataEnded = false;
  const readable = new Readable({
    highWaterMark: HIGH_WATER,
    read() {
      for (const pump of pumps) pump.release(holder);
    },
    destroy(error, callback) {
      for (const pump of pumps) {
        pump.dropBytes();
        pump.release(holder);
      }
      if (!dataEnded) onAbandon();
      callback(error);
    },
  });
  const finish = (error: Error | undefined) => {
    if (readable.destroyed) return;
    if (error === undefined) {
      readable.push(null);
      return;
    }
    // After the data: destroy only once the consumer has read every buffered chunk.
    if (readable.readableLength === 0) {
      readable.destroy(error);
      return;
    }
    const onData = () => {
      if (readable.readableLength > 0) return;
      readable.off("data", onData);
      process.nextTick(() => readable.destroy(error));
    };
    readable.on("data", onData);
  };
  for (const pump of pumps) {
    pump.takeBytes({
      push: (chunk) => {
        if (readable.destroyed) return;
        if (!readable.push(chunk)) pump.hold(holder);
      },
      end: () => {
        if (--open > 0) return;
        dataEnded = true;
        void verdict().then(finish, finish);
      },
    });
  }
  return readable;
}

/**
 * @internal `readable()` / `chunks()` of a run or a chain: the pumps' bytes, ending with the
 * error the checking verbs would throw for `output` (or cleanly). `output` is the bytes verb,
 * so a huge stdout that no string could hold never turns a success into an error. `killOnAbandon` (readable()
 * only) runs when the stream is destroyed before its end.
 */
export function outputStream(
  pumps: readonly OutputPump[],
  output: () => Promise<{ ensureSuccess(): unknown }>,
  killOnAbandon?: () => Promise<void>,
): Readable {
  const verdict = async (): Promise<Error | undefined> => {
    try {
      (await output()).ensureSuccess();
      return undefined;
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  };
  return byteReadable(pumps, verdict, () => void killOnAbandon?.());
}

/**
 * @internal The child's stdin as a Writable. Backpressure is the pipe's; the child closing its stdin
 * (EPIPE) is not an error: the rest is discarded, as the stdin feeder does.
 */
export function stdinWritable(pipe: Writable, program: string): Writable {
  let closedByChild = false;
  pipe.on("error", () => {});
  return new Writable({
    highWaterMark: HIGH_WATER,
    write(chunk: Buffer, _encoding, callback) {
      if (closedByChild || pipe.destroyed || pipe.writableEnded) {
        closedByChild = true;
        callback();
        return;
      }
      pipe.write(chunk, (error) => {
        if (error == null || isBenignStdinError(error)) {
          if (error != null) closedByChild = true;
          callback();
        } else {
          callback(new StdinError(program, error.message, error));
        }
      });
    },
    final(callback) {
      if (pipe.destroyed || pipe.writableEnded) {
        callback();
        return;
      }
      // 'finish' never comes to a pipe the child already closed: 'close' answers then.
      let called = false;
      const done = () => {
        if (called) return;
        called = true;
        pipe.off("close", done);
        callback();
      };
      pipe.once("close", done);
      pipe.end(done);
    },
    destroy(error, callback) {
      if (!pipe.destroyed && !pipe.writableEnded) pipe.end();
      callback(error);
    },
  });
}
