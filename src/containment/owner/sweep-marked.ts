/**
 * The exit sweep's share of the run marker (pgroup/run-marker.ts): on an orderly exit, SIGKILL
 * every process newer than the owner that carries one of its tokens — the process-group
 * escapees that `kill(-pgid)` cannot reach. Nothing to do when no marked child was started.
 */
import { killMarked, sinceOf } from "../pgroup/escapees.js";
import { markersIssued, ownerToken } from "../pgroup/run-marker.js";

export function sweepMarkedEscapees(): void {
  if (!markersIssued()) return;
  const since = sinceOf(process.pid, 0); // as old as this process: never the young fast path
  if (since !== undefined) killMarked(`${ownerToken()}.`, since);
}
