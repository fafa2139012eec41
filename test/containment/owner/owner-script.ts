/**
 * A separate Node "owner" process that uses the BUILT library (a snapshot of dist/, which
 * `npm test` builds first) to start the labelled tree, prints what it started as one JSON line, and then ends
 * the way the test asks. The test is the owner's parent and checks, by pid, what survives.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { NODE } from "../../helpers/procs.js";
import { distSnapshot, TREE_SCRIPT, track } from "../support.js";

/** How the owner ends. "wait" keeps it alive (the test signals it) and reports sentinel respawns. */
export type OwnerMode = "natural" | "exit" | "throw" | "wait";

const OWNER_SCRIPT = `
const [dist, mode, mechanism] = process.argv.slice(2);
const { Command, JobRunner } = await import(new URL("index.js", dist));
const { owner } = await import(new URL("containment/owner/registry.js", dist));
const { CgroupBackend } = await import(new URL("containment/cgroup/backend.js", dist));
const { readFileSync } = await import("node:fs");

const runner = new JobRunner({ mechanism });
const seen = {};
let ready;
const started = new Promise((resolve) => (ready = resolve));
const proc = await runner.start(
  new Command("sh", ["-c", ${JSON.stringify(`${TREE_SCRIPT}\nexec sleep 300`)}]).onStdoutLine((line) => {
    const [label, value] = line.split(" ");
    if (label === "ready") ready();
    else seen[label] = Number(value);
  }),
);
await started;
const backend = CgroupBackend.settled();
const stat = (pid) => {
  const text = readFileSync("/proc/" + pid + "/stat", "latin1");
  return text.slice(text.lastIndexOf(")") + 2).split(" ");
};
const ownCgroup = readFileSync("/proc/self/cgroup", "utf8").split("\\n").find((l) => l.startsWith("0::"));
console.log(JSON.stringify({
  owner: process.pid,
  leader: proc.pid,
  leaderPgid: Number(stat(proc.pid)[2]),
  mechanism: proc.mechanism,
  ...seen,
  ownCgroup: ownCgroup === undefined ? null : ownCgroup.slice(3),
  ownerDir: backend instanceof CgroupBackend ? backend.ownerDir : null,
  sentinel: owner.sentinelPid ?? null,
  groups: [...owner.registeredGroups],
}));

// The test checks the tree is alive first, then closes our stdin: that is the cue to end.
if (mode !== "wait") {
  await new Promise((resolve) => {
    process.stdin.on("end", resolve);
    process.stdin.resume();
  });
}
if (mode === "natural") {
  // A live child keeps Node's event loop alive, so a natural end with a still-running start()ed
  // child needs its handles unref'd (what a fire-and-forget CLI would do). Internal on purpose.
  const child = proc.driver.child;
  child.unref();
  child.stdout?.unref();
  child.stderr?.unref();
} else if (mode === "exit") {
  process.exit(3);
} else if (mode === "throw") {
  throw new Error("owner fails on purpose");
} else {
  let last = owner.sentinelPid;
  setInterval(() => {
    if (owner.sentinelPid !== last) {
      last = owner.sentinelPid;
      console.log(JSON.stringify({ sentinel: last ?? null }));
    }
  }, 10);
}
`;

let dir: string | undefined;
function scriptPath(): string {
  if (dir === undefined) {
    dir = mkdtempSync(join(tmpdir(), "processkit-owner-"));
    writeFileSync(join(dir, "owner.mjs"), OWNER_SCRIPT);
  }
  return join(dir, "owner.mjs");
}
afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

export interface OwnerInfo {
  readonly owner: number;
  readonly leader: number;
  readonly leaderPgid: number;
  readonly mechanism: string;
  readonly bg: number;
  readonly setsid: number;
  readonly dfork: number;
  readonly ownCgroup: string | null;
  readonly ownerDir: string | null;
  readonly sentinel: number | null;
  readonly groups: number[];
}

export interface Owner {
  readonly child: ChildProcess;
  /** Modes other than "wait": lets the owner go on and end (closes its stdin). */
  end(): void;
  readonly info: OwnerInfo;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the next sentinel pid the owner reports (mode "wait"). */
  nextSentinel(): Promise<number | null>;
  stderr(): string;
}

export async function startOwner(mode: OwnerMode, mechanism: string): Promise<Owner> {
  const dist = await distSnapshot();
  const child = spawn(NODE, [scriptPath(), dist, mode, mechanism], { stdio: ["pipe", "pipe", "pipe"] });
  track(child.pid ?? -1);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  let buffered = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    let nl = buffered.indexOf("\n");
    while (nl !== -1) {
      lines.push(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
      nl = buffered.indexOf("\n");
    }
    for (const wake of waiters.splice(0)) wake();
  });
  const nextLine = async (): Promise<string> => {
    for (;;) {
      const line = lines.shift();
      if (line !== undefined) return line;
      const woke = new Promise<void>((resolve) => waiters.push(resolve));
      const ended = exited.then(() => {
        throw new Error(`owner ended before printing: ${stderr}`);
      });
      await Promise.race([woke, ended]);
    }
  };
  const info = JSON.parse(await nextLine()) as OwnerInfo;
  track(info.leader, info.bg, info.setsid, info.dfork);
  if (info.sentinel !== null) track(info.sentinel);
  return {
    child,
    end: () => child.stdin?.end(),
    info,
    exited,
    nextSentinel: async () => {
      const { sentinel } = JSON.parse(await nextLine()) as { sentinel: number | null };
      if (sentinel !== null) track(sentinel);
      return sentinel;
    },
    stderr: () => stderr,
  };
}
