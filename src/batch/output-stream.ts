/**
 * `outputStream`: the same engine as `outputAll`, delivered as an async iterable of
 * `{ index, result }` in completion order. It is lazy and pull-bounded: nothing starts before
 * the first `next()`, and at most `concurrency` runs are in flight or waiting to be pulled.
 * Breaking out (or `return()`) cancels the in-flight runs — the loop exits once their trees
 * are gone — and never starts the queued ones. A batch `cancelSignal` instead ends the stream
 * normally: the cancelled and never-started commands still arrive, as `CancelledError` entries.
 */
import type { Command } from "../command/command.js";
import { CancelledError } from "../errors.js";
import { BatchEngine, type BatchEntry, type BatchOptions, type CheckedBatch, checkBatch } from "./engine.js";

export interface StreamedEntry {
  /** The command's position in the input. */
  readonly index: number;
  readonly result: BatchEntry;
}

export function outputStream(
  commands: Iterable<Command>,
  options?: BatchOptions,
): AsyncGenerator<StreamedEntry, void, undefined> {
  // Validate now, at the call, not at the first next().
  return stream(checkBatch("outputStream", commands, options));
}

async function* stream(batch: CheckedBatch): AsyncGenerator<StreamedEntry, void, undefined> {
  const ready: StreamedEntry[] = [];
  let wake: (() => void) | undefined;
  const engine: BatchEngine = new BatchEngine(
    batch,
    (index, result) => {
      ready.push({ index, result });
      wake?.();
    },
    () => engine.running + ready.length < batch.concurrency,
  );
  try {
    engine.fill();
    while (true) {
      const entry = ready.shift();
      if (entry !== undefined) {
        yield entry;
        engine.fill();
        continue;
      }
      if (engine.idle) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        void engine.done.then(resolve);
      });
      wake = undefined;
    }
    const reason = batch.cancelSignal?.reason;
    for (const index of engine.unstarted) {
      const program = (batch.commands[index] as Command).program;
      yield { index, result: { status: "rejected", reason: new CancelledError(program, reason) } };
    }
  } finally {
    await engine.stop(new Error("outputStream: the consumer stopped early"));
  }
}
