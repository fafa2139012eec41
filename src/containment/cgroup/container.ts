/**
 * A cgroup v2 container: one directory under the owner cgroup (or under a parent container).
 * Kill is one write to `cgroup.kill` (the kernel kills the whole subtree, setsid escapees and
 * double forks included); "empty" is `populated 0` in `cgroup.events`.
 */
import type { SpawnOptions } from "node:child_process";
import { mkdirSync } from "node:fs";
import type { Container, ContainerStats, SpawnPlan } from "../container.js";
import { pollUntil } from "../poll.js";
import { isLive, readStat } from "../proc.js";
import {
  allProcs,
  cpuTimeMs,
  isFrozen,
  isPopulated,
  peakMemoryBytes,
  removeTree,
  writeControl,
} from "./control-files.js";
import { launcherPlan } from "./launcher.js";

let sequence = 0;

export class CgroupContainer implements Container {
  readonly mechanism = "cgroup-v2" as const;
  private released = false;

  /** Creates the directory: synchronous mkdir on cgroupfs is ~20 µs and never blocks on I/O. */
  constructor(readonly dir: string) {
    mkdirSync(dir);
  }

  static inside(parentDir: string): CgroupContainer {
    return new CgroupContainer(`${parentDir}/c${++sequence}`);
  }

  plan(file: string, args: readonly string[], options: SpawnOptions): SpawnPlan {
    return launcherPlan(this.dir, file, args, options);
  }

  adopt(_pid: number): void {
    // The launcher joined the cgroup itself; the kernel tracks the rest of the tree.
  }

  signal(signal: NodeJS.Signals): void {
    if (signal === "SIGKILL") {
      this.kill();
      return;
    }
    // Freeze so nobody forks between listing and signalling, signal each member, thaw.
    const froze = writeControl(this.dir, "cgroup.freeze", "1");
    for (const pid of allProcs(this.dir)) {
      try {
        process.kill(pid, signal);
      } catch {
        // exited meanwhile
      }
    }
    if (froze) writeControl(this.dir, "cgroup.freeze", "0");
  }

  kill(): void {
    if (writeControl(this.dir, "cgroup.kill", "1")) return;
    // Kernels before 5.14 have no cgroup.kill: freeze, SIGKILL each member (fatal signals wake frozen tasks).
    writeControl(this.dir, "cgroup.freeze", "1");
    for (const pid of allProcs(this.dir)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // exited meanwhile
      }
    }
    writeControl(this.dir, "cgroup.freeze", "0");
  }

  waitEmpty(withinMs: number): Promise<boolean> {
    return pollUntil(() => !isPopulated(this.dir), withinMs);
  }

  async members(): Promise<number[]> {
    return allProcs(this.dir).filter((pid) => isLive(readStat(pid)));
  }

  async stats(): Promise<ContainerStats> {
    return {
      processes: (await this.members()).length,
      cpuTimeMs: cpuTimeMs(this.dir),
      peakMemoryBytes: peakMemoryBytes(this.dir),
    };
  }

  async freeze(): Promise<void> {
    if (!writeControl(this.dir, "cgroup.freeze", "1")) return;
    // The freeze completes asynchronously; `frozen 1` says every member stopped.
    await pollUntil(() => isFrozen(this.dir) || !isPopulated(this.dir), 1_000);
  }

  async thaw(): Promise<void> {
    writeControl(this.dir, "cgroup.freeze", "0");
  }

  createChild(): Container {
    return CgroupContainer.inside(this.dir);
  }

  release(options: { kill?: boolean } = {}): void {
    if (this.released) return;
    if (options.kill !== false) this.kill();
    if (!isPopulated(this.dir) && removeTree(this.dir)) {
      this.released = true;
      return;
    }
    if (options.kill === false) return; // leftovers stay; the parent removes the tree when it goes
    this.released = true;
    // Killed but not yet empty (D-state stragglers): remove once the kernel is done.
    void pollUntil(() => !isPopulated(this.dir), 5_000).then(() => removeTree(this.dir));
  }
}
