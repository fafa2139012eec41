/**
 * `outputAll`: every command's result, in input order, with at most `concurrency` running at
 * once. Like `Promise.allSettled`, it never rejects because of one command: a non-zero exit
 * or a timeout is a fulfilled entry (it is data, as with `output()`), a launch error (not
 * found, spawn failure) or a cancel is a rejected entry in that command's slot.
 */
import type { Command } from "../command/command.js";
import { CancelledError } from "../errors.js";
import { BatchEngine, type BatchEntry, type BatchOptions, checkBatch } from "./engine.js";

export function outputAll(commands: Iterable<Command>, options?: BatchOptions): Promise<BatchEntry[]> {
  const batch = checkBatch("outputAll", commands, options);
  const entries = new Array<BatchEntry>(batch.commands.length);
  const engine = new BatchEngine(batch, (index, entry) => {
    entries[index] = entry;
  });
  engine.fill();
  return engine.done.then(() => {
    // Only after a batch cancel: the commands that never started (nothing was spawned for them).
    const reason = batch.cancelSignal?.reason;
    for (const index of engine.unstarted) {
      const program = (batch.commands[index] as Command).program;
      entries[index] = { status: "rejected", reason: new CancelledError(program, reason) };
    }
    return entries;
  });
}
