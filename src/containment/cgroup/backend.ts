/**
 * The cgroup v2 backend. One owner cgroup per event loop, `<own cgroup>/processkit-<pid>-<thread>-<rand>`,
 * created on first use and handed to the owner (exit sweep + sentinels) before it exists; one sub-cgroup per
 * container inside it.
 *
 * Nothing is claimed before it is proven: the owner cgroup must be on cgroup2 (statfs), and one
 * real launch into a probe cgroup must show, in the probe's own /proc/<pid>/cgroup, that it
 * landed there. A write to `cgroup.procs` that "succeeded" proves nothing — on a plain
 * directory it just creates a file. The probe runs once per event loop, asynchronously on the
 * run path (never a synchronous cgroup.procs write on the main thread), or synchronously when
 * `hostContainment()` is asked first, so its answer is the one runs get.
 */
import { type SpawnOptions, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { basename } from "node:path";
import { threadId } from "node:worker_threads";
import { startChild } from "../../process/native/start-child.js";
import type { Container, ContainmentBackend, SpawnPlan } from "../container.js";
import { openGate } from "../gate.js";
import { launcherPlan } from "../launcher.js";
import { owner } from "../owner/registry.js";
import { CgroupContainer } from "./container.js";
import { removeTree } from "./control-files.js";
import { type Located, locateCgroup, type Refusal } from "./locate.js";
import { cgroup2At } from "./usable-dir.js";

export type Availability = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Why the backend is unavailable, with the kind of refusal (for advice). Internal: callers see the message. */
export class CgroupUnavailable extends Error {
  constructor(
    message: string,
    readonly kind: Refusal,
    readonly where?: string,
  ) {
    super(message);
  }
}

export class CgroupBackend implements ContainmentBackend {
  readonly mechanism = "cgroup-v2" as const;

  /** @internal Use `CgroupBackend.get()`: it creates the owner cgroup and probes migration first. */
  constructor(
    readonly ownerDir: string,
    readonly located?: Located & { ok: true },
  ) {}

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

  /**
   * The probe's verdict now: runs it synchronously (one `spawnSync` of the launcher, a few ms)
   * if nothing has settled yet. For `hostContainment()`, whose answer must not be overturned
   * by the first run.
   */
  static settleNow(): CgroupBackend | Error {
    if (settledValue !== undefined) return settledValue;
    try {
      const ready = ownerCgroup();
      const launch = probeLaunch(ready);
      try {
        const { file, args, options } = launch.plan;
        const result = spawnSync(file, args, { ...options, encoding: "utf8", timeout: 10_000 });
        verify(launch, result.error ? -1 : result.status, result.stdout ?? "", result.stderr ?? "");
      } finally {
        launch.container.release();
      }
      return settle(new CgroupBackend(ready.ownerDir, ready.located));
    } catch (error) {
      return fail(error as Error);
    }
  }
}

let probe: Promise<CgroupBackend> | undefined;
let settledValue: CgroupBackend | Error | undefined;
let prepared: Prepared | Error | undefined;

interface Prepared {
  readonly located: Located & { ok: true };
  readonly ownerDir: string;
}

function settle(backend: CgroupBackend): CgroupBackend {
  settledValue ??= backend;
  probe ??= Promise.resolve(backend);
  return settledValue instanceof CgroupBackend ? settledValue : backend;
}

function fail(error: Error): Error {
  if (prepared !== undefined && !(prepared instanceof Error)) removeTree(prepared.ownerDir);
  settledValue ??= error;
  if (probe === undefined) {
    probe = Promise.reject(error);
    probe.catch(() => {}); // observed by whoever asks; never an unhandled rejection
  }
  return settledValue instanceof Error ? settledValue : error;
}

/** Locates, creates and checks the owner cgroup: once per event loop, synchronous (mkdir on cgroupfs is ~20 µs). */
function ownerCgroup(): Prepared {
  if (prepared === undefined) {
    try {
      const located = locateCgroup();
      if (!located.ok) throw new CgroupUnavailable(located.reason, located.kind, located.where);
      const ownerDir = `${located.path}/processkit-${process.pid}-${threadId}-${randomBytes(3).toString("hex")}`;
      // The sentinels learn the path before the directory exists: an owner killed in between leaves nothing.
      owner.adoptCgroup(ownerDir);
      try {
        mkdirSync(ownerDir);
      } catch (error) {
        owner.adoptCgroup("");
        const code = (error as NodeJS.ErrnoException).code;
        const kind =
          code === "EROFS"
            ? "read-only"
            : code === "EACCES" || code === "EPERM"
              ? "not-delegated"
              : "probe-failed";
        throw new CgroupUnavailable(
          `cannot create ${ownerDir}: ${(error as Error).message}`,
          kind,
          located.path,
        );
      }
      const fs = cgroup2At(ownerDir);
      if (fs !== true) {
        removeTree(ownerDir);
        owner.adoptCgroup("");
        throw new CgroupUnavailable(`the owner cgroup we created is not on cgroup2: ${fs}`, "not-cgroup2");
      }
      prepared = { located, ownerDir };
    } catch (error) {
      prepared = error as Error;
    }
  }
  if (prepared instanceof Error) throw prepared;
  return prepared;
}

async function create(): Promise<CgroupBackend> {
  try {
    const ready = ownerCgroup();
    const launch = probeLaunch(ready);
    try {
      // Through the spawn in use: the native core (born in the cgroup) or the launcher.
      let status: number | null;
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      try {
        const child = startChild("/bin/sh", ["-c", PROBE_SCRIPT], PROBE_OPTIONS, launch.container);
        openGate(child); // the probe has no registration to wait for
        child.stdout?.on("data", (c: Buffer) => out.push(c));
        child.stderr?.on("data", (c: Buffer) => err.push(c));
        const closed = (stream: NodeJS.ReadableStream | null) =>
          new Promise<void>((resolve) =>
            stream === null ? resolve() : stream.once("close", () => resolve()),
          );
        const drained = Promise.all([closed(child.stdout), closed(child.stderr)]);
        status = await new Promise<number | null>((resolve) => {
          child.once("error", () => resolve(-1));
          child.once("exit", (code: number | null) => resolve(code));
        });
        await drained;
      } catch (error) {
        err.push(Buffer.from((error as Error).message)); // a native spawn that failed throws at once
        status = -1;
      }
      verify(launch, status, Buffer.concat(out).toString(), Buffer.concat(err).toString());
    } finally {
      launch.container.release();
    }
    return settle(new CgroupBackend(ready.ownerDir, ready.located));
  } catch (error) {
    throw fail(error as Error);
  }
}

/** The probe's script: print the cgroup the kernel says this very process is in. */
const PROBE_SCRIPT = `while IFS= read -r l; do case $l in 0::*) printf "%s\\n" "\${l#0::}" ;; esac; done < /proc/self/cgroup`;

interface ProbeLaunch {
  /** The synchronous probe's launch (hostContainment() asked first): the launcher, ungated. */
  readonly plan: SpawnPlan;
  readonly container: CgroupContainer;
  /** What the probe must print: the probe cgroup as the hierarchy names it. */
  readonly expected: string;
}

const PROBE_OPTIONS: SpawnOptions = { stdio: ["ignore", "pipe", "pipe"], env: { PATH: "/usr/bin:/bin" } };

function probeLaunch(ready: Prepared): ProbeLaunch {
  const container = CgroupContainer.inside(ready.ownerDir);
  const plan = launcherPlan(
    { join: container.dir, gate: false },
    "/bin/sh",
    ["-c", PROBE_SCRIPT],
    PROBE_OPTIONS,
  );
  const base = ready.located.hierarchyPath.replace(/\/$/, "");
  return { plan, container, expected: `${base}/${basename(ready.ownerDir)}/${basename(container.dir)}` };
}

/** The probe must have exited 0 and seen itself in the probe cgroup. */
function verify(launch: ProbeLaunch, status: number | null, stdout: string, stderr: string): void {
  const seen = stdout.trim();
  if (status !== 0) {
    const said = stderr.trim().split("\n").pop()?.trim();
    throw new CgroupUnavailable(
      `the probe could not join ${launch.container.dir}: writing its pid to cgroup.procs failed${said ? ` (the shell said: ${said})` : ` (exit ${status})`}`,
      "probe-failed",
    );
  }
  if (seen !== launch.expected) {
    throw new CgroupUnavailable(
      `a probe that joined ${launch.container.dir} is not in it: its /proc/<pid>/cgroup says ${JSON.stringify(seen || "(nothing)")}, expected ${JSON.stringify(launch.expected)}`,
      "probe-failed",
    );
  }
}
