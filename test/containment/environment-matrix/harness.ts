/**
 * Running one owner inside one environment of the matrix, and checking from outside — by
 * host pid, in the host's /proc — what it started and what is left. Every directory, cgroup
 * and process a run creates is removed here, by path or by pid.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DIST } from "../support.js";
import { CGROUP2, type Environment, MEMBERS, NOBODY } from "./environments.js";
import { OWNER_SCRIPT } from "./owner-script.js";

const UNSHARE = "/usr/bin/unshare";
const SETPRIV = "/usr/bin/setpriv";

/** Why the matrix cannot run here, or undefined when it can. */
export function cannotRun(): string | undefined {
  if (process.platform !== "linux") return "not Linux";
  if (process.getuid?.() !== 0) return "needs root (mount namespaces, setpriv, a delegated cgroup)";
  for (const tool of [UNSHARE, SETPRIV]) if (!existsSync(tool)) return `${tool} is missing`;
  if (!existsSync(`${CGROUP2}/cgroup.procs`))
    return `no cgroup2 at ${CGROUP2} (the matrix is written for this layout)`;
  return undefined;
}

/** One world-readable copy of dist/ and the owner script, for every environment (nobody included). */
export class Workspace {
  readonly root: string;
  readonly dist: string;
  readonly script: string;

  constructor() {
    this.root = mkdtempSync("/tmp/pk-envmatrix-");
    chmodSync(this.root, 0o755);
    cpSync(fileURLToPath(DIST), join(this.root, "dist"), { recursive: true });
    writeFileSync(join(this.root, "dist", "package.json"), '{ "type": "module" }\n');
    this.dist = `${pathToFileURL(join(this.root, "dist")).href}/`;
    this.script = join(this.root, "owner.mjs");
    writeFileSync(this.script, OWNER_SCRIPT);
    chmodSync(this.script, 0o644);
  }

  /** A fresh TMPDIR the owner (any uid) may write in: nothing may be left in it when the owner is gone. */
  tmpdir(): string {
    const dir = join(this.root, `tmp-${randomBytes(3).toString("hex")}`);
    mkdirSync(dir);
    chmodSync(dir, 0o1777);
    return dir;
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** A cgroup delegated to nobody the way a delegation does it ("partial": the directory only). */
export function delegatedCgroup(kind: "full" | "partial"): string {
  const dir = `${CGROUP2}/pk-envmatrix-${randomBytes(3).toString("hex")}`;
  mkdirSync(dir);
  chownSync(dir, NOBODY, NOBODY);
  if (kind === "full") {
    for (const file of ["cgroup.procs", "cgroup.threads", "cgroup.subtree_control"])
      chownSync(`${dir}/${file}`, NOBODY, NOBODY);
  }
  return dir;
}

/** Removes a cgroup tree depth-first (test cleanup; everything in it must be dead). */
export function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeCgroupTree(join(dir, entry.name));
  }
  rmdirSync(dir);
}

export interface Step {
  readonly step: string;
  readonly [key: string]: unknown;
}

export class Owner {
  readonly child: ChildProcess;
  readonly steps: Step[] = [];
  private waiters: Array<() => void> = [];
  private stderrText = "";
  readonly exited: Promise<number | null>;

  constructor(
    env: Environment,
    workspace: Workspace,
    readonly scenario: "runs" | "sigkill" | "probe",
    readonly base: number,
    readonly tmpdir: string,
    readonly flag: string,
    delegated: string | undefined,
  ) {
    const owner = [process.execPath, workspace.script, workspace.dist, scenario, String(base), flag];
    const run = env.asNobody
      ? [SETPRIV, `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", ...owner]
      : owner;
    const script = `${env.prelude} && exec "$@"`;
    const childEnv: NodeJS.ProcessEnv = {
      PATH: env.path ?? "/usr/local/bin:/usr/bin:/bin",
      TMPDIR: tmpdir,
      HOME: "/",
      ...(delegated !== undefined ? { DELEGATED: delegated } : {}),
    };
    this.child = spawn(UNSHARE, ["-m", ...(env.unshare ?? []), "/bin/sh", "-c", script, "sh", ...run], {
      stdio: ["ignore", "pipe", "pipe"],
      env: childEnv,
    });
    let buffered = "";
    this.child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      let nl = buffered.indexOf("\n");
      while (nl !== -1) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.startsWith("{")) this.steps.push(JSON.parse(line) as Step);
        for (const wake of this.waiters.splice(0)) wake();
        nl = buffered.indexOf("\n");
      }
    });
    this.child.stderr?.on("data", (chunk: Buffer) => {
      this.stderrText += chunk.toString();
    });
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
    this.child.once("exit", () => {
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  get stderr(): string {
    return this.stderrText;
  }

  /** Waits for the n-th step with this name (0-based). */
  async next(name: string, index = 0, withinMs = 30_000): Promise<Step> {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const found = this.steps.filter((s) => s.step === name)[index];
      if (found !== undefined) return found;
      if (this.child.exitCode !== null || this.child.signalCode !== null || Date.now() > deadline) {
        throw new Error(
          `no ${name} step from the owner (exit ${this.child.exitCode}); stderr: ${this.stderrText}`,
        );
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  /** The owner's pid in the host's PID namespace (with --fork it is unshare's child). */
  hostPid(): number {
    const pid = this.child.pid as number;
    if (!readFileSync(`/proc/${pid}/cmdline`, "latin1").startsWith(UNSHARE)) return pid;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "latin1").trim().split(" ");
    return Number(children[0]);
  }
}

/** Host pids of the tree's `sleep <base + n>` members (and the leader, n = 5, when it is a sleep). */
export function findMembers(base: number): Map<number, number> {
  const found = new Map<number, number>();
  const wanted = new Map([...MEMBERS, 5].map((n) => [`sleep\0${base + n}\0`, n]));
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${name}/cmdline`, "latin1");
    } catch {
      continue;
    }
    const n = wanted.get(cmdline);
    if (n !== undefined && isLive(Number(name))) found.set(n, Number(name));
  }
  return found;
}

export function isLive(pid: number): boolean {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "latin1");
    const state = text.slice(text.lastIndexOf(")") + 2).split(" ")[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

export function sessionOf(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "latin1");
    return Number(text.slice(text.lastIndexOf(")") + 2).split(" ")[3]);
  } catch {
    return undefined;
  }
}

export function killPids(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
}
