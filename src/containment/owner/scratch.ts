/**
 * The owner's scratch directory: one private (0700) directory per owner in the temporary
 * directory, holding the group ledger and the FIFOs pipelines are wired with. The sentinel
 * removes it when the owner is gone — however it went — so nothing is left behind even when
 * the owner is SIGKILLed between creating a FIFO and unlinking it.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { threadId } from "node:worker_threads";

let dir: string | null | undefined;

/** The directory, created on first use; null where the temporary directory is not writable. */
export function scratchDir(): string | null {
  if (dir === undefined) {
    try {
      dir = mkdtempSync(join(tmpdir(), `processkit-${process.pid}-${threadId}-`));
    } catch {
      dir = null;
    }
  }
  return dir;
}

/** The directory if it was created, without creating it (the exit sweep must not make one just to delete it). */
export function existingScratchDir(): string | null {
  return dir ?? null;
}
