/**
 * The owner's scratch directory: one private (0700) directory per owner in the temporary
 * directory, holding the group ledger and the FIFOs pipelines are wired with. The sentinels
 * remove it when the owner is gone — however it went — so nothing is left behind even when
 * the owner is SIGKILLed between creating a FIFO and unlinking it.
 *
 * The name is chosen first and the directory made only after the sentinels know it (see
 * registry.ts): an owner killed between the two leaves nothing, because a sentinel already
 * watches a path that is either absent or removed by it.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { threadId } from "node:worker_threads";

/** A fresh, unpredictable path for this owner's scratch directory (not created). */
export function scratchPath(): string {
  return join(tmpdir(), `processkit-${process.pid}-${threadId}-${randomBytes(6).toString("hex")}`);
}

/**
 * Creates the directory (0700, failing if anything already sits at the path — never follows a
 * planted symlink); false where the temporary directory is not writable.
 */
export function createScratch(path: string): boolean {
  try {
    mkdirSync(path, { mode: 0o700 });
    return true;
  } catch {
    return false;
  }
}
