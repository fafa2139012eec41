/**
 * The cgroup v2 backend. One owner cgroup per event loop, `<own cgroup>/processkit-<pid>-<thread>-<rand>`,
 * created on first use and handed to the owner (exit sweep + sentinels) before it exists; one sub-cgroup per
 * container inside it. A successful mkdir does not prove that migration is allowed, so the
 * first use runs one real launch into a probe cgroup (async; never a synchronous
 * cgroup.procs write on the main thread).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { threadId } from "node:worker_threads";
import { startChild } from "../../process/native/start-child.js";
import type { Container, ContainmentBackend } from "../container.js";
import { openGate } from "../gate.js";
import { owner } from "../owner/registry.js";
import { CgroupContainer } from "./container.js";
import { removeTree } from "./control-files.js";
import { locateCgroup } from "./locate.js";

export type Availability = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export class CgroupBackend implements ContainmentBackend {
  readonly mechanism = "cgroup-v2" as const;

  /** @internal Use `CgroupBackend.get()`: it creates the owner cgroup and probes migration first. */
  constructor(readonly ownerDir: string) {}

  /** Empty cgroups of finished private runs, for the next private run. */
  private readonly pool: string[] = [];

  createContainer(): Container {
    return CgroupContainer.inside(this.ownerDir);
  }

  /** A private run's container (JobRunner): may be an empty cgroup a finished run gave back. */
  createRunContainer(): Container {
    return CgroupContainer.fromPool(this.ownerDir, this.pool);
  }

  /** The backend for this event loop, once the probe proved that migration works. */
  static get(): Promise<CgroupBackend> {
    probe ??= create();
    return probe;
  }

  /** What the probe concluded, if it ran (undefined before the first use). */
  static settled(): CgroupBackend | Error | undefined {
    return settledValue;
  }
}

let probe: Promise<CgroupBackend> | undefined;
let settledValue: CgroupBackend | Error | undefined;

async function create(): Promise<CgroupBackend> {
  try {
    const located = locateCgroup();
    if (!located.ok) throw new Error(located.reason);
    const ownerDir = `${located.path}/processkit-${process.pid}-${threadId}-${randomBytes(3).toString("hex")}`;
    // The sentinels learn the path before the directory exists: an owner killed in between leaves nothing.
    owner.adoptCgroup(ownerDir);
    try {
      mkdirSync(ownerDir);
    } catch (error) {
      owner.adoptCgroup("");
      throw new Error(`cannot create ${ownerDir}: ${(error as Error).message}`);
    }
    await probeMigration(ownerDir);
    const backend = new CgroupBackend(ownerDir);
    settledValue = backend;
    return backend;
  } catch (error) {
    settledValue = error as Error;
    throw error;
  }
}

/**
 * One real launch into a throwaway sub-cgroup: proves the children can join before we rely on
 * it — through the native core when it is in use (born there with CLONE_INTO_CGROUP), else
 * through the launcher.
 */
async function probeMigration(ownerDir: string): Promise<void> {
  const container = CgroupContainer.inside(ownerDir);
  try {
    let code: number | null;
    let stderr = "";
    try {
      const child = startChild(
        "/bin/sh",
        ["-c", "exit 0"],
        { stdio: ["ignore", "ignore", "pipe"] },
        container,
      );
      openGate(child); // the probe has no registration to wait for
      child.stderr?.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const drained = new Promise<void>((resolve) => {
        if (child.stderr === null) resolve();
        else child.stderr.once("close", () => resolve());
      });
      code = await new Promise<number | null>((resolve) => {
        child.once("error", () => resolve(-1));
        child.once("exit", (c: number | null) => resolve(c));
      });
      await drained;
    } catch (error) {
      stderr = (error as Error).message; // a native spawn that failed throws at once
      code = -1;
    }
    if (code !== 0) {
      removeTree(ownerDir);
      throw new Error(`joining a cgroup failed (${stderr.trim().split("\n").pop() || `exit ${code}`})`);
    }
  } finally {
    container.release();
  }
}
