/**
 * When the owner is PID 1 of a PID namespace (`docker run` without `--init`, most Kubernetes
 * pods), its exit kills every other process of the namespace — the sentinel included — so
 * nobody would remove the owner cgroup and the scratch directory. The exit sweep does it
 * itself: wait (synchronously, bounded) for the killed cgroup to empty, remove it depth-first,
 * and delete the scratch directory.
 */
import { rmSync } from "node:fs";
import { isPopulated, removeTree } from "../cgroup/control-files.js";
import { sleepSync } from "../sleep-sync.js";

const EMPTY_BOUND_MS = 2_000;

/** `scratch`: the owner's scratch directory if it was made (never made here just to delete it). */
export function removeOwnerDirectories(cgroupDir: string, scratch: string | null): void {
  if (cgroupDir !== "") {
    const deadline = performance.now() + EMPTY_BOUND_MS;
    // Killed members leave the cgroup within the kernel's time; an exit handler cannot await.
    while (isPopulated(cgroupDir) && performance.now() < deadline) sleepSync(2);
    removeTree(cgroupDir);
  }
  removeScratch(scratch);
}

/** The scratch directory and everything in it (the ledger, FIFOs); never throws from an exit handler. */
export function removeScratch(scratch: string | null): void {
  if (scratch === null) return;
  try {
    rmSync(scratch, { recursive: true, force: true });
  } catch {
    // already gone, or not ours to remove any more: the sentinels try again
  }
}
