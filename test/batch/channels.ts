/** Counts live runs from the library's own diagnostics channels (spawn / exit). */
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { ExitEvent, SpawnEvent } from "../../src/index.js";

export interface LiveCounter {
  readonly spawned: number[];
  readonly live: number;
  readonly max: number;
  close(): void;
}

export function countLive(): LiveCounter {
  const spawned: number[] = [];
  const live = new Set<number>();
  let max = 0;
  const onSpawn = (message: unknown) => {
    const { pid } = message as SpawnEvent;
    if (pid === undefined) return;
    spawned.push(pid);
    live.add(pid);
    max = Math.max(max, live.size);
  };
  const onExit = (message: unknown) => {
    const { pid } = message as ExitEvent;
    if (pid !== undefined) live.delete(pid);
  };
  subscribe("processkit:spawn", onSpawn);
  subscribe("processkit:exit", onExit);
  return {
    spawned,
    get live() {
      return live.size;
    },
    get max() {
      return max;
    },
    close() {
      unsubscribe("processkit:spawn", onSpawn);
      unsubscribe("processkit:exit", onExit);
    },
  };
}
