/**
 * Reclaiming a dead owner's leftovers (src/containment/owner/reclaim.ts): an owner killed
 * together with both sentinels leaves its scratch directory, its owner cgroup and its
 * escapees; a later owner finishes the sentinels' work — and touches nothing it cannot prove
 * dead and its own: a live owner, a busy sentinel, another PID namespace, another uid, no record.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  currentWorld,
  formatRecord,
  type OwnerRecord,
  parseRecord,
  RECORD_FILE,
} from "../../../src/containment/owner/owner-record.js";
import { reclaimDeadOwners } from "../../../src/containment/owner/reclaim.js";
import { readStat } from "../../../src/containment/proc.js";
import { escapee } from "../../helpers/escapee.js";
import { isAlive, killPids, NODE, waitDead } from "../../helpers/procs.js";
import { distSnapshot, MECHANISMS } from "../support.js";

const world = currentWorld();
const UNSHARE = "/usr/bin/unshare";
/** Only there are other PID namespaces' processes all visible (see reclaim.ts). */
const inInitialNamespaceAsRoot = process.getuid?.() === 0 && world?.pidns === `pid:[${0xeffffffc}]`;
const dirs: string[] = [];
const pids: number[] = [];
afterEach(() => killPids(pids.splice(0)));
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function privateTmp(): string {
  const dir = mkdtempSync(join(tmpdir(), "pk-reclaim-"));
  dirs.push(dir);
  return dir;
}

const hex = (n: number) =>
  Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join("");

/** A pid that just exited (its number, nobody's process any more). */
function deadPid(): number {
  const pid = spawnSync("/bin/true").pid;
  expect(isAlive(pid)).toBe(false);
  return pid;
}

/** A scratch directory in `tmp` with a record; fields not given describe a dead owner of this boot and namespace. */
function scratchWith(tmp: string, fields: Partial<OwnerRecord> = {}): { dir: string; record: OwnerRecord } {
  if (world === undefined) throw new Error("no usable /proc here");
  const record: OwnerRecord = {
    ...world,
    pid: deadPid(),
    startTime: "1",
    token: hex(12),
    cgroupDir: "",
    ...fields,
  };
  const dir = join(tmp, `processkit-${record.pid}-0-${hex(12)}`);
  mkdirSync(dir, { mode: 0o700 });
  writeFileSync(join(dir, RECORD_FILE), formatRecord(record));
  writeFileSync(join(dir, "groups-00000000"), "+12345\n");
  return { dir, record };
}

describe("the owner record", () => {
  it("reads back what was written, and nothing that is not exactly one", () => {
    const record: OwnerRecord = {
      boot: "5a0e3c1e-0000-4000-8000-000000000000",
      pidns: "pid:[4026531836]",
      pid: 4242,
      startTime: "123456",
      token: "0123456789ab",
      cgroupDir: "/sys/fs/cgroup/a/processkit-4242-0-abcdef",
    };
    expect(parseRecord(formatRecord(record))).toEqual(record);
    expect(parseRecord(formatRecord({ ...record, cgroupDir: "" }))).toEqual({ ...record, cgroupDir: "" });
    expect(parseRecord("")).toBeUndefined();
    expect(parseRecord(formatRecord(record).replace("record 1", "record 2"))).toBeUndefined();
    expect(parseRecord(formatRecord({ ...record, token: "0123456789abX" }))).toBeUndefined();
    expect(parseRecord(formatRecord({ ...record, pidns: "net:[1]" }))).toBeUndefined();
    expect(parseRecord(formatRecord({ ...record, pid: 0 }))).toBeUndefined();
    expect(parseRecord(formatRecord({ ...record, startTime: "1e3" }))).toBeUndefined();
  });

  it("knows this process's world: its boot and its PID namespace", () => {
    expect(world?.boot).toMatch(/^[0-9a-f-]{36}$/);
    expect(world?.pidns).toMatch(/^pid:\[\d+\]$/);
  });
});

describe.runIf(world !== undefined)("reclaiming what a dead owner left", () => {
  it("removes the directory of an owner that is gone (its pid reused by someone else counts as gone)", async () => {
    const tmp = privateTmp();
    const gone = scratchWith(tmp);
    const reused = scratchWith(tmp, { pid: process.pid, startTime: "1" }); // our pid, another start
    const reclaimed = await reclaimDeadOwners(tmp);
    expect(reclaimed.map((r) => r.dir).sort()).toEqual([gone.dir, reused.dir].sort());
    expect(reclaimed.every((r) => r.why === "owner gone" && r.killed === 0 && !r.cgroupRemoved)).toBe(true);
    expect(existsSync(gone.dir) || existsSync(reused.dir)).toBe(false);
  });

  it("an earlier boot's directory goes, and nothing is killed for it", async () => {
    const tmp = privateTmp();
    const old = scratchWith(tmp, { boot: "00000000-0000-4000-8000-000000000000" });
    // A process carrying that token here cannot be the old owner's: it is left alone.
    const bystander = await escapee(`${old.record.token}.1`);
    const reclaimed = await reclaimDeadOwners(tmp);
    expect(reclaimed).toEqual([{ dir: old.dir, why: "earlier boot", killed: 0, cgroupRemoved: false }]);
    expect(isAlive(bystander)).toBe(true);
  });

  it("leaves alone a live owner, another uid, no record, a bad record, a symlink", async () => {
    const tmp = privateTmp();
    const live = scratchWith(tmp, { pid: process.pid, startTime: readStat(process.pid)?.startTime ?? "" });
    const noRecord = join(tmp, `processkit-${deadPid()}-0-${hex(12)}`);
    mkdirSync(noRecord);
    const badRecord = scratchWith(tmp);
    writeFileSync(join(badRecord.dir, RECORD_FILE), "processkit owner record 1\nboot x\n");
    const link = join(tmp, `processkit-${deadPid()}-0-${hex(12)}`);
    symlinkSync(scratchWith(privateTmp()).dir, link);
    const keep = [live.dir, noRecord, badRecord.dir, link];
    if (process.getuid?.() === 0) {
      const foreign = scratchWith(tmp);
      chownSync(foreign.dir, 65534, 65534);
      keep.push(foreign.dir);
    }
    expect(await reclaimDeadOwners(tmp)).toEqual([]);
    for (const dir of keep) expect(existsSync(dir), dir).toBe(true);
  });

  it("waits while a process still names the directory in its argv (a sentinel busy with its sweep)", async () => {
    const tmp = privateTmp();
    const { dir } = scratchWith(tmp);
    // A group of its own, so its sleep goes with it.
    const busy = spawn("/bin/sh", ["-c", "/bin/sleep 300; :", "sh", dir], {
      stdio: "ignore",
      detached: true,
    });
    const group = busy.pid as number;
    pids.push(group);
    try {
      await untilArgv(busy, dir);
      expect(await reclaimDeadOwners(tmp)).toEqual([]);
      expect(existsSync(dir)).toBe(true);
    } finally {
      killGroup(group);
    }
    // The whole group: a sleep forked a moment ago carries the shell's argv until its exec.
    expect(await groupGone(group)).toBe(true);
    expect((await reclaimDeadOwners(tmp)).map((r) => r.dir)).toEqual([dir]);
  });

  it.runIf(inInitialNamespaceAsRoot && existsSync(UNSHARE))(
    "another PID namespace sharing the directory: left alone while it lives (its pid is someone else here), reclaimed once it is gone",
    async () => {
      const dist = await distSnapshot();
      const tmp = privateTmp();
      const script = `const [dist, tmp] = process.argv.slice(1);
const { writeOwnerRecord } = await import(new URL("containment/owner/owner-record.js", dist));
const { mkdirSync } = await import("node:fs");
const dir = tmp + "/processkit-" + process.pid + "-0-0123456789ab";
mkdirSync(dir, { mode: 0o700 });
console.log(JSON.stringify({ dir, written: writeOwnerRecord(dir, "0123456789ab", "") }));
setInterval(() => {}, 1000);`;
      // A group of its own: unshare and the namespace's init (our node) go together.
      const ns = spawn(
        UNSHARE,
        ["--pid", "--fork", "--mount-proc", NODE, "--input-type=module", "-e", script, dist, tmp],
        {
          stdio: ["ignore", "pipe", "inherit"],
          detached: true,
        },
      );
      const group = ns.pid as number;
      pids.push(group);
      try {
        const line = await new Promise<string>((resolve) =>
          createInterface({ input: ns.stdout as NodeJS.ReadableStream }).once("line", resolve),
        );
        const { dir, written } = JSON.parse(line) as { dir: string; written: boolean };
        expect(written).toBe(true);
        const record = parseRecord(readFileSync(join(dir, RECORD_FILE), "latin1"));
        // Positive control: judged by pid and start time alone, this live owner would read as dead here.
        expect(record?.pid).toBe(1);
        expect(record?.pidns).not.toBe(world?.pidns);
        expect(readStat(1)?.startTime).not.toBe(record?.startTime);
        expect(await reclaimDeadOwners(tmp)).toEqual([]);
        expect(existsSync(dir)).toBe(true);
        process.kill(-group, "SIGKILL");
        expect(await groupGone(group)).toBe(true);
        expect(await reclaimDeadOwners(tmp)).toEqual([
          { dir, why: "namespace gone", killed: 0, cgroupRemoved: false },
        ]);
      } finally {
        killGroup(group);
      }
    },
  );

  it("never touches a recorded cgroup path that is not an owner cgroup on cgroup2", async () => {
    const tmp = privateTmp();
    const decoy = join(privateTmp(), "processkit-1-0-abcdef");
    mkdirSync(decoy);
    const { dir } = scratchWith(tmp, { cgroupDir: decoy });
    expect(await reclaimDeadOwners(tmp)).toEqual([
      { dir, why: "owner gone", killed: 0, cgroupRemoved: false },
    ]);
    expect(existsSync(decoy)).toBe(true);
  });
});

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // gone already
  }
}

async function groupGone(pgid: number): Promise<boolean> {
  for (let i = 0; i < 500; i++) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

/** Until the shell (it stays: a command follows the sleep) runs with `dir` in its argv. */
async function untilArgv(child: ChildProcess, dir: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if (readFileSync(`/proc/${child.pid}/cmdline`, "latin1").split("\0").includes(dir)) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The owner starts a run with a `setsid` escapee, prints what it has, and waits to be killed. */
const OWNER = `
const [dist, mechanism] = process.argv.slice(1); // node -e: no script path in argv
const { Command, JobRunner } = await import(new URL("index.js", dist));
const { owner } = await import(new URL("containment/owner/registry.js", dist));
const { CgroupBackend } = await import(new URL("containment/cgroup/backend.js", dist));
let escapee;
const got = new Promise((resolve) => (escapee = resolve));
const proc = await new JobRunner({ mechanism }).start(
  new Command("/bin/sh", ["-c", "setsid /bin/sleep 300 & echo $!; exec /bin/sleep 300"]).onStdoutLine((l) => escapee(Number(l))),
);
const backend = CgroupBackend.settled();
console.log(JSON.stringify({
  owner: process.pid,
  leader: proc.pid,
  escapee: await got,
  sentinels: owner.sentinelPids,
  scratch: owner.scratch(),
  ownerDir: backend instanceof CgroupBackend ? backend.ownerDir : null,
  mechanism: proc.mechanism,
}));
setInterval(() => {}, 1000);
`;

interface Seen {
  owner: number;
  leader: number;
  escapee: number;
  sentinels: number[];
  scratch: string;
  ownerDir: string | null;
  mechanism: string;
}

describe.runIf(world !== undefined).each(MECHANISMS)(
  "an owner killed with both sentinels, under %s",
  (mechanism) => {
    it("a later owner kills what it left and removes its directories", async () => {
      const dist = await distSnapshot();
      const tmp = privateTmp();
      const child = spawn(NODE, ["--input-type=module", "-e", OWNER, dist, mechanism], {
        stdio: ["ignore", "pipe", "inherit"],
        env: { ...process.env, TMPDIR: tmp },
      });
      pids.push(child.pid as number);
      const line = await new Promise<string>((resolve) =>
        createInterface({ input: child.stdout as NodeJS.ReadableStream }).once("line", resolve),
      );
      const seen = JSON.parse(line) as Seen;
      if (seen.mechanism !== mechanism) return; // cgroup v2 not usable on this host: the other row proves the path
      pids.push(seen.leader, seen.escapee, ...seen.sentinels);
      // Positive control: all of it exists.
      for (const pid of [seen.owner, seen.leader, seen.escapee, ...seen.sentinels])
        expect(isAlive(pid), `${pid}`).toBe(true);
      expect(seen.sentinels).toHaveLength(2);
      expect(existsSync(seen.scratch)).toBe(true);
      if (mechanism === "cgroup-v2") expect(seen.ownerDir !== null && existsSync(seen.ownerDir)).toBe(true);

      // The owner stopped first (it would replace a sentinel it saw die), then all three killed.
      process.kill(seen.owner, "SIGSTOP");
      for (const pid of seen.sentinels) process.kill(pid, "SIGKILL");
      for (const pid of seen.sentinels) expect(await waitDead(pid)).toBe(true);
      process.kill(seen.owner, "SIGKILL");
      expect(await waitDead(seen.owner)).toBe(true);
      // Nobody cleaned up: the leak this is about.
      await new Promise((r) => setTimeout(r, 100));
      expect(isAlive(seen.leader) && isAlive(seen.escapee) && existsSync(seen.scratch)).toBe(true);

      const reclaimed = await reclaimDeadOwners(tmp);
      expect(reclaimed).toHaveLength(1);
      expect(reclaimed[0]?.dir).toBe(seen.scratch);
      expect(reclaimed[0]?.why).toBe("owner gone");
      expect(await waitDead(seen.leader)).toBe(true);
      expect(await waitDead(seen.escapee)).toBe(true);
      expect(existsSync(seen.scratch)).toBe(false);
      if (mechanism === "cgroup-v2") {
        expect(reclaimed[0]?.cgroupRemoved).toBe(true);
        expect(existsSync(seen.ownerDir as string)).toBe(false);
      } else {
        expect(reclaimed[0]?.killed).toBeGreaterThanOrEqual(2); // the leader and the setsid escapee, by their marker
      }
    });
  },
);
