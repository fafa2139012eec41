/**
 * The owner: this process (or this worker thread — module state is per thread, so each
 * event loop is its own owner). It knows every live process group and the owner cgroup, and
 * makes sure they die with it:
 * - an orderly exit (natural end, process.exit, uncaught exception) runs a synchronous
 *   `process.on("exit")` sweep;
 * - an abrupt one (a signal, SIGKILL, a terminated worker) is caught by the sentinel, which
 *   sees its pipe from us close.
 */
import { writeFileSync } from "node:fs";
import { isPid1 } from "../pid1.js";
import { removeOwnerDirectories } from "./pid1-exit.js";
import { scratchDir } from "./scratch.js";
import { Sentinel } from "./sentinel.js";
import { sweepMarkedEscapees } from "./sweep-marked.js";

const FORGET_CHECKS = [100, 1_000, 10_000];

class Owner {
  private readonly groups = new Set<number>();
  private cgroupDir = "";
  private sentinel: Sentinel | undefined;
  private sweepInstalled = false;

  /** Called once by the cgroup backend when it creates the owner cgroup. */
  adoptCgroup(dir: string): void {
    this.cgroupDir = dir;
    if (this.sentinel === undefined) this.ensureGuards();
    else this.sentinel.setCgroup(dir);
  }

  registerGroup(pgid: number): void {
    this.groups.add(pgid);
    this.ensureGuards();
    this.sentinel?.register(pgid);
  }

  unregisterGroup(pgid: number): void {
    if (this.groups.delete(pgid)) this.sentinel?.unregister(pgid);
  }

  /** Unregisters a killed group once it no longer exists (checked a few times, then left registered: harmless). */
  forgetGroupWhenEmpty(pgid: number): void {
    if (!this.groups.has(pgid)) return;
    const check = (attempt: number) => {
      if (!groupExists(pgid)) {
        this.unregisterGroup(pgid);
        return;
      }
      const delay = FORGET_CHECKS[attempt];
      if (delay !== undefined) setTimeout(() => check(attempt + 1), delay).unref();
    };
    check(0);
  }

  /** The owner's scratch directory (see scratch.ts), guarded by the sentinel from the moment it exists. */
  scratch(): string | null {
    this.ensureGuards();
    return scratchDir();
  }

  get sentinelPid(): number | undefined {
    return this.sentinel?.pid;
  }

  /** Live registrations (tests, diagnostics). */
  get registeredGroups(): ReadonlySet<number> {
    return this.groups;
  }

  private ensureGuards(): void {
    if (!this.sweepInstalled) {
      this.sweepInstalled = true;
      process.on("exit", () => this.sweep());
    }
    // As PID 1 of a PID namespace no sentinel is needed (or could help): when we die, the
    // kernel kills every process of the namespace, the sentinel included.
    if (this.sentinel === undefined && !isPid1()) {
      this.sentinel = new Sentinel(() => ({ cgroupDir: this.cgroupDir, groups: this.groups }), scratchDir());
    }
  }

  /**
   * Synchronous last-moment teardown on an orderly exit. The sentinel removes the directories
   * after — except when we are PID 1 of a PID namespace: the kernel kills the sentinel with
   * the namespace as soon as we are gone, so this sweep removes them itself.
   */
  private sweep(): void {
    if (this.cgroupDir !== "") {
      try {
        writeFileSync(`${this.cgroupDir}/cgroup.kill`, "1");
      } catch {
        // the cgroup is already gone
      }
    }
    for (const pgid of this.groups) {
      try {
        process.kill(-pgid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    sweepMarkedEscapees();
    if (isPid1()) removeOwnerDirectories(this.cgroupDir);
  }
}

function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

export const owner = new Owner();
