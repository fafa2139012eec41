/**
 * Shared pieces of the containment tests: the mechanism matrix, a labelled process tree (a
 * background child, a `setsid` child and a double fork), by-pid checks, and cleanup of every
 * pid a test saw — by pid only, never by name.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, afterEach } from "vitest";
import { Command, type Mechanism } from "../../src/index.js";
import { isAlive, killPids } from "../helpers/procs.js";

export const MECHANISMS = ["cgroup-v2", "process-group"] as const satisfies readonly Mechanism[];

/** The built library, for owner scripts that run as separate Node processes (`npm test` builds first). */
export const DIST = new URL("../../dist/", import.meta.url);

let snapshot: Promise<string> | undefined;
let snapshotDir: string | undefined;
afterAll(() => {
  if (snapshotDir !== undefined) rmSync(snapshotDir, { recursive: true, force: true });
});

/**
 * A private copy of dist/ that imports cleanly, as a file URL ending in "/". Owner scripts use
 * it instead of dist/ itself: in a shared checkout someone may rebuild dist/ while the suite
 * runs, and a half-written module would fail an owner for reasons that are not ours.
 */
export function distSnapshot(): Promise<string> {
  snapshot ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "processkit-dist-"));
    snapshotDir = dir;
    let lastError = "";
    for (let attempt = 0; attempt < 30; attempt++) {
      rmSync(join(dir, "dist"), { recursive: true, force: true });
      cpSync(fileURLToPath(DIST), join(dir, "dist"), { recursive: true });
      writeFileSync(join(dir, "dist", "package.json"), '{ "type": "module" }\n');
      // The native core where the copy's loader looks for it (dist/ and build/ are siblings).
      const addon = fileURLToPath(new URL("../build/Release/processkit.node", DIST));
      if (existsSync(addon)) cpSync(addon, join(dir, "build", "Release", "processkit.node"));
      const index = pathToFileURL(join(dir, "dist", "index.js")).href;
      const check = spawnSync(
        process.execPath,
        ["--input-type=module", "-e", `await import(${JSON.stringify(index)})`],
        {
          encoding: "utf8",
        },
      );
      if (check.status === 0) return pathToFileURL(join(dir, "dist")).href + "/";
      lastError = check.stderr;
      await sleep(1_000); // a rebuild is under way: take a new copy in a moment
    }
    throw new Error(`dist/ does not import (run npm run build): ${lastError}`);
  })();
  return snapshot;
}

/** Pids a test created: SIGKILLed after each test whatever happened (the documented setsid survivors too). */
const created = new Set<number>();
export function track(...pids: number[]): void {
  for (const pid of pids) if (pid > 0) created.add(pid);
}
afterEach(() => {
  killPids(created);
  created.clear();
});

export interface Stat {
  readonly state: string;
  readonly ppid: number;
  readonly pgrp: number;
  readonly session: number;
}

export function stat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "latin1");
    const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: f[0] as string, ppid: Number(f[1]), pgrp: Number(f[2]), session: Number(f[3]) };
  } catch {
    return undefined;
  }
}

/** Polls `check` every 10 ms until it holds or `withinMs` passes; returns the last answer. */
export async function eventually(check: () => boolean, withinMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return check();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface TreePids {
  /** An ordinary background child of the leader (same process group). */
  readonly bg: number;
  /** A child that called setsid(): escapes process groups, not cgroups. */
  readonly setsid: number;
  /** A grandchild whose parent (a subshell) exited at once: reparented, same process group. */
  readonly dfork: number;
}

/**
 * The tree's leader prints `bg <pid>`, `setsid <pid>`, `dfork <pid>`, then `ready`, then
 * `tail`: "sleep" (exec sleep 300), "stdin" (exits when its stdin closes), "exit" (at once).
 * `setsid sleep` in the background does not fork (a non-interactive shell's background job is
 * not a group leader), so `$!` is the escapee's own pid.
 */
export const TREE_SCRIPT = `sleep 300 & echo "bg $!"
setsid sleep 300 & echo "setsid $!"
(sleep 300 & echo "dfork $!")
echo ready`;

const TAILS = { sleep: "exec sleep 300", stdin: "read _ || true; exit 0", exit: "exit 0" } as const;

export interface Labelled<T> {
  readonly command: Command;
  /** Resolves once `ready` was read; every labelled pid is already tracked for cleanup. */
  readonly pids: Promise<T>;
}

/** `sh -c script` whose `<label> <pid>` lines are collected until a `ready` line. */
export function labelled(script: string, configure = (c: Command) => c): Labelled<Record<string, number>> {
  const seen: Record<string, number> = {};
  let resolve!: (pids: Record<string, number>) => void;
  const pids = new Promise<Record<string, number>>((r) => {
    resolve = r;
  });
  const command = configure(new Command("sh", ["-c", script])).onStdoutLine((line) => {
    const [label, value] = line.split(" ");
    if (label === "ready") resolve(seen);
    else if (label !== undefined && value !== undefined) {
      seen[label] = Number(value);
      track(Number(value));
    }
  });
  return { command, pids };
}

export function labelledTree(tail: keyof typeof TAILS, configure = (c: Command) => c): Labelled<TreePids> {
  const { command, pids } = labelled(`${TREE_SCRIPT}\n${TAILS[tail]}`, (c) =>
    configure(tail === "stdin" ? c.keepStdinOpen() : c),
  );
  return {
    command,
    pids: pids.then((seen) => ({ bg: seen.bg ?? -1, setsid: seen.setsid ?? -1, dfork: seen.dfork ?? -1 })),
  };
}

export function all(pids: TreePids): number[] {
  return [pids.bg, pids.setsid, pids.dfork];
}

export function alive(pids: readonly number[]): number[] {
  return pids.filter(isAlive);
}

/**
 * Positive control: every process of the tree exists and is alive, and the setsid child has
 * really left the leader's session (so a process-group teardown cannot reach it).
 */
export async function expectTreeAlive(pids: TreePids): Promise<void> {
  const ok = await eventually(
    () => alive(all(pids)).length === 3 && stat(pids.setsid)?.session === pids.setsid,
  );
  if (!ok) {
    throw new Error(
      `positive control failed: alive=${JSON.stringify(alive(all(pids)))} setsid=${JSON.stringify(stat(pids.setsid))}`,
    );
  }
}

/**
 * What must be left of a torn-down tree, by pid: nothing, under either mechanism — under
 * process groups the setsid child left the group but kept the run marker, so teardown finds it
 * (with `runMarker: false` it would be the one survivor: see pgroup/run-marker.test.ts).
 */
export function expectedSurvivors(_mechanism: Mechanism, _pids: TreePids): number[] {
  return [];
}
