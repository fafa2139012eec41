/**
 * ProcessGroup (API.md §3), for both mechanisms: a runner with every verb; members, stats,
 * signal, suspend/resume, shutdown, kill (idempotent, group reusable), close and
 * `await using`; limits the host cannot enforce reject with ResourceLimitError. Every pid a
 * test sees is checked by pid and killed by pid in cleanup.
 */
import { existsSync, readdirSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { CgroupBackend } from "../../src/containment/cgroup/backend.js";
import {
  CancelledError,
  Command,
  hostContainment,
  InvalidInputError,
  ProcessGroup,
  ResourceLimitError,
  UnsupportedError,
} from "../../src/index.js";
import { alive, eventually, labelled, MECHANISMS, sleep, track } from "../containment/support.js";
import { isAlive } from "../helpers/procs.js";
import { node } from "../helpers/scripts.js";

const groups: ProcessGroup[] = [];
afterEach(async () => {
  for (const group of groups.splice(0)) await group.close();
});

async function create(mechanism: (typeof MECHANISMS)[number]): Promise<ProcessGroup> {
  const group = await ProcessGroup.create({ mechanism });
  groups.push(group);
  return group;
}

/** A child that prints an increasing counter every 20 ms; `count()` is how many lines arrived. */
function counter(): { command: Command; count: () => number } {
  let lines = 0;
  const command = node("let i = 0; setInterval(() => console.log(i++), 20)").onStdoutLine(() => {
    lines++;
  });
  return { command, count: () => lines };
}

/** Subdirectories of our owner cgroup (to prove a failed create leaves none behind). */
function ownerChildren(): string[] {
  const backend = CgroupBackend.settled();
  if (!(backend instanceof CgroupBackend)) return [];
  return readdirSync(backend.ownerDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
}

describe.each(MECHANISMS)("ProcessGroup: %s", (mechanism) => {
  it("reports its mechanism and runs every verb", async () => {
    const group = await create(mechanism);
    expect(group.mechanism).toBe(mechanism);

    expect(await group.run(new Command("echo", ["hello"]))).toBe("hello");
    expect((await group.checked(new Command("echo", ["ok"]))).stdout).toBe("ok\n");
    expect(await group.exitCode(new Command("sh", ["-c", "exit 5"]))).toBe(5);
    expect(await group.probe(new Command("true"))).toBe(true);
    expect(await group.probe(new Command("false"))).toBe(false);
    expect(await group.parse(new Command("echo", ["21"]), (s) => Number(s) * 2)).toBe(42);
    expect(await group.json(new Command("echo", ['{"a":[1,2]}']))).toEqual({ a: [1, 2] });
    expect(await group.firstLine(new Command("printf", ["a\\nb\\n"]), (l) => l === "b")).toBe("b");
    const result = await group.output(new Command("sh", ["-c", "echo out; echo err >&2; exit 3"]));
    expect([result.stdout, result.stderr, result.exitCode]).toEqual(["out\n", "err\n", 3]);
    expect(Buffer.from((await group.outputBytes(new Command("printf", ["\\001\\002"]))).stdout)).toEqual(
      Buffer.from([1, 2]),
    );
    const proc = await group.start(new Command("cat").keepStdinOpen());
    expect(proc.mechanism).toBe(mechanism);
    proc.stdin.write("through the group\n");
    proc.stdin.end();
    expect((await proc.finish()).stdout).toBe("through the group\n");
  });

  it("firstLine in a group kills that run's tree once the line matched", async () => {
    const group = await create(mechanism);
    const line = await group.firstLine(
      new Command("sh", ["-c", 'sleep 300 & echo "bg $!"; exec sleep 300']),
      (l) => l.startsWith("bg "),
    );
    const bg = Number(line?.split(" ")[1]);
    track(bg);
    expect(bg).toBeGreaterThan(0);
    expect(isAlive(bg)).toBe(false);
    expect(await group.members()).toEqual([]);
  });

  it("members() lists the tree; stats() counts it, with CPU time only where the host accounts it", async () => {
    const group = await create(mechanism);
    const script = labelled('sleep 300 & echo "bg $!"; echo ready; exec sleep 300');
    const proc = await group.start(script.command);
    track(proc.pid as number);
    const { bg = -1 } = await script.pids;
    const expected = [proc.pid as number, bg].sort();
    let members: number[] = [];
    expect(
      await eventually(() => {
        void group.members().then((m) => {
          members = m;
        });
        return members.length === 2;
      }),
    ).toBe(true);
    expect([...members].sort()).toEqual(expected);

    const stats = await group.stats();
    expect(stats.processes).toBe(2);
    if (mechanism === "cgroup-v2") {
      expect(typeof stats.cpuTimeMs).toBe("number");
      expect(Number.isFinite(stats.cpuTimeMs)).toBe(true);
    } else {
      expect(stats.cpuTimeMs).toBeUndefined(); // never a made-up 0
    }
    // No memory controller delegated on this host: unknown, not 0.
    if (!hostContainment().limits.memoryMax) expect(stats.peakMemoryBytes).toBeUndefined();

    await group.kill();
    expect(await group.members()).toEqual([]);
    expect((await group.stats()).processes).toBe(0);
  });

  it("signal() reaches every member", async () => {
    const group = await create(mechanism);
    const a = await group.start(
      new Command("sh", ["-c", 'trap "echo hup-a; exit 0" HUP; echo ready; while :; do sleep 0.05; done']),
    );
    const b = await group.start(
      new Command("sh", ["-c", 'trap "echo hup-b; exit 0" HUP; echo ready; while :; do sleep 0.05; done']),
    );
    track(a.pid as number, b.pid as number);
    await a.waitForLine("ready", "10s");
    await b.waitForLine("ready", "10s");
    await group.signal("SIGHUP");
    const [fa, fb] = await Promise.all([a.finish(), b.finish()]);
    expect(fa.stdout).toContain("hup-a");
    expect(fb.stdout).toContain("hup-b");
    expect(fa.outcome).toEqual({ kind: "exited", code: 0 });
  });

  it("suspend() stops the group where it stands (a signal does not resume it); resume() continues", async () => {
    const group = await create(mechanism);
    const { command, count } = counter();
    const proc = await group.start(command);
    track(proc.pid as number);
    expect(await eventually(() => count() >= 3)).toBe(true); // positive control: it counts

    await group.suspend();
    await sleep(150); // lines already in the pipe may still arrive
    const frozenAt = count();
    await sleep(500);
    expect(count()).toBe(frozenAt);
    await group.signal("SIGWINCH"); // harmless, ignored by default: must not thaw the group
    await sleep(300);
    expect(count()).toBe(frozenAt);
    expect(isAlive(proc.pid as number)).toBe(true);

    await group.resume();
    expect(await eventually(() => count() > frozenAt + 2)).toBe(true);
    await group.kill();
    expect(isAlive(proc.pid as number)).toBe(false);
  });

  it('kill() and signal("SIGKILL") work on a suspended group', async () => {
    const group = await create(mechanism);
    const first = await group.start(new Command("sh", ["-c", "sleep 300 & exec sleep 300"]));
    track(first.pid as number);
    await group.suspend();
    await group.kill();
    expect(isAlive(first.pid as number)).toBe(false);
    expect(await group.members()).toEqual([]);

    await group.resume();
    const second = await group.start(new Command("sleep", ["300"]));
    track(second.pid as number);
    await group.suspend();
    await group.signal("SIGKILL");
    expect(await eventually(() => !isAlive(second.pid as number))).toBe(true);
    await group.resume();
  });

  it("shutdown() of a suspended group resumes it first, so a TERM trap can still run", async () => {
    const group = await create(mechanism);
    const proc = await group.start(
      new Command("sh", ["-c", 'trap "exit 0" TERM; echo ready; while :; do sleep 0.05; done']),
    );
    track(proc.pid as number);
    await proc.waitForLine("ready", "10s");
    await group.suspend();
    const report = await group.shutdown({ grace: "20s" });
    expect(report).toMatchObject({ drained: true, escalated: false, survivors: 0 });
    expect((await proc.finish()).outcome).toEqual({ kind: "exited", code: 0 });
  });

  it("shutdown({ escalate: false }) leaves TERM-ignoring members alive and says how many", async () => {
    const group = await create(mechanism);
    const proc = await group.start(new Command("sh", ["-c", 'trap "" TERM; echo ready; exec sleep 300']));
    track(proc.pid as number);
    await proc.waitForLine("ready", "10s");
    const report = await group.shutdown({ grace: "200ms", escalate: false });
    expect(report).toMatchObject({ drained: false, escalated: false, survivors: 1, membersBefore: 1 });
    expect(isAlive(proc.pid as number)).toBe(true);
    await group.kill();
    expect(isAlive(proc.pid as number)).toBe(false);
  });

  it('shutdown({ signal: "SIGINT", grace }) sends that signal, and the tree gets the whole grace', async () => {
    const group = await create(mechanism);
    // The leader dies of INT at once; its child handles INT, needs a moment, then exits 0.
    // It ignores TERM, so only the INT asked for can drain it within the grace.
    const child = `process.on("SIGTERM", () => {}); process.on("SIGINT", () => setTimeout(() => process.exit(0), 300)); console.log("child-ready"); setInterval(() => {}, 1000)`;
    const proc = await group.start(
      node(
        `const c = require("node:child_process").spawn(process.execPath, ["-e", ${JSON.stringify(child)}], { stdio: "inherit" }); console.log(c.pid); setInterval(() => {}, 1000)`,
      ),
    );
    const childPid = Number(await proc.waitForLine(/^\d+$/, "10s"));
    track(childPid);
    await proc.waitForLine("child-ready", "10s");
    expect(isAlive(childPid)).toBe(true);
    const report = await group.shutdown({ signal: "SIGINT", grace: "20s" });
    expect(report).toMatchObject({ drained: true, escalated: false, survivors: 0 });
    expect(isAlive(childPid)).toBe(false);
  });

  it("shutdown({ signal: null }) sends nothing first: the grace, then SIGKILL", async () => {
    const group = await create(mechanism);
    // It would print on any of the signals a shutdown could send first.
    const proc = await group.start(
      new Command("sh", [
        "-c",
        'for s in TERM INT HUP; do trap "echo got-$s" $s; done; echo ready; while :; do sleep 0.05; done',
      ]),
    );
    track(proc.pid as number);
    await proc.waitForLine("ready", "10s");
    expect(isAlive(proc.pid as number)).toBe(true);
    const report = await group.shutdown({ signal: null, grace: "400ms" });
    expect(report).toMatchObject({ drained: false, escalated: true, survivors: 0 });
    expect(report.elapsedMs).toBeGreaterThanOrEqual(390); // it waited the grace out
    expect(isAlive(proc.pid as number)).toBe(false);
    expect((await proc.finish()).stdout).not.toContain("got-");
  });

  it("shutdown() with an unknown signal is InvalidInputError and signals nothing", async () => {
    const group = await create(mechanism);
    const proc = await group.start(new Command("sleep", ["300"]));
    track(proc.pid as number);
    await expect(group.shutdown({ signal: "SIGTREM" as never })).rejects.toBeInstanceOf(InvalidInputError);
    expect(isAlive(proc.pid as number)).toBe(true);
  });

  it("shutdown() with an invalid grace is InvalidInputError and signals nothing", async () => {
    const group = await create(mechanism);
    const proc = await group.start(new Command("sleep", ["300"]));
    track(proc.pid as number);
    await expect(group.shutdown({ grace: "soon" as never })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(group.shutdown({ grace: -1 })).rejects.toBeInstanceOf(InvalidInputError);
    expect(isAlive(proc.pid as number)).toBe(true);
  });

  it("kill() is idempotent and the group stays usable", async () => {
    const group = await create(mechanism);
    const first = await group.start(new Command("sleep", ["300"]));
    track(first.pid as number);
    await group.kill();
    await group.kill();
    expect(isAlive(first.pid as number)).toBe(false);
    expect((await first.finish()).outcome).toEqual({ kind: "signalled", signal: "SIGKILL" });

    expect(await group.run(new Command("echo", ["again"]))).toBe("again");
    const second = await group.start(new Command("sleep", ["300"]));
    track(second.pid as number);
    expect(isAlive(second.pid as number)).toBe(true);
    await group.kill();
    expect(isAlive(second.pid as number)).toBe(false);
    await group.kill(); // an empty group: still fine
  });

  it("kill() right after start() reaches a leader that may not have joined the group yet", async () => {
    const group = await create(mechanism);
    for (let i = 0; i < 5; i++) {
      const proc = await group.start(new Command("sleep", ["300"]));
      track(proc.pid as number);
      await group.kill();
      expect(isAlive(proc.pid as number)).toBe(false);
    }
  });

  it("a run's own timeout or cancel ends that run only; its sibling keeps running", async () => {
    const group = await create(mechanism);
    const sibling = await group.start(new Command("sleep", ["300"]));
    track(sibling.pid as number);

    const timed = labelled('sleep 300 & echo "bg $!"; echo ready; exec sleep 300', (c) => c.timeout("1s"));
    const timedRun = await group.start(timed.command);
    track(timedRun.pid as number);
    const { bg: timedBg = -1 } = await timed.pids;
    expect((await timedRun.output()).timedOut).toBe(true);
    expect(alive([timedRun.pid as number, timedBg])).toEqual([]);

    const controller = new AbortController();
    const cancelled = labelled('sleep 300 & echo "bg $!"; echo ready; exec sleep 300', (c) =>
      c.cancelOn(controller.signal),
    );
    const cancelledRun = await group.start(cancelled.command);
    track(cancelledRun.pid as number);
    const { bg: cancelledBg = -1 } = await cancelled.pids;
    controller.abort();
    await expect(cancelledRun.output()).rejects.toBeInstanceOf(CancelledError);
    expect(alive([cancelledRun.pid as number, cancelledBg])).toEqual([]);

    expect(isAlive(sibling.pid as number)).toBe(true);
    expect(await group.members()).toContain(sibling.pid);
  });

  it("close() kills everything, is idempotent, and refuses further runs", async () => {
    const group = await ProcessGroup.create({ mechanism });
    const proc = await group.start(new Command("sh", ["-c", "sleep 300 & exec sleep 300"]));
    track(proc.pid as number);
    await group.close();
    await group.close();
    expect(isAlive(proc.pid as number)).toBe(false);
    await expect(group.run(new Command("true"))).rejects.toBeInstanceOf(UnsupportedError);
    await expect(group.start(new Command("true"))).rejects.toBeInstanceOf(UnsupportedError);
    expect(await group.members()).toEqual([]);
  });

  it("`await using` kills the tree and waits until it is gone", async () => {
    let pids: number[] = [];
    {
      await using group = await ProcessGroup.create({ mechanism });
      const script = labelled('sleep 300 & echo "bg $!"; echo ready; exec sleep 300');
      const proc = await group.start(script.command);
      track(proc.pid as number);
      const { bg = -1 } = await script.pids;
      pids = [proc.pid as number, bg];
      expect(alive(pids)).toHaveLength(2);
    }
    expect(alive(pids)).toEqual([]);
  });

  it("limits this host cannot enforce reject with ResourceLimitError and leave nothing behind", async () => {
    const host = hostContainment();
    const before = ownerChildren();
    for (const [kind, limits] of [
      ["memoryMax", { memoryMax: "64M" }],
      ["maxProcesses", { maxProcesses: 16 }],
      ["cpuQuota", { cpuQuota: 0.5 }],
    ] as const) {
      const enforceable = mechanism === "cgroup-v2" && host.mechanism === "cgroup-v2" && host.limits[kind];
      if (enforceable) continue; // a host with delegated controllers: covered where they exist
      const error = await ProcessGroup.create({ mechanism, limits }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ResourceLimitError);
      expect((error as ResourceLimitError).limit).toBe(kind);
    }
    expect(ownerChildren()).toEqual(before);
  });

  it("invalid limit values are InvalidInputError before anything is created", async () => {
    for (const limits of [
      { memoryMax: "lots" },
      { memoryMax: -1 },
      { maxProcesses: 0 },
      { maxProcesses: 1.5 },
      { cpuQuota: 0 },
      { cpuQuota: -0.5 },
      { cpuQuota: Number.NaN },
      { cpuQuota: Number.POSITIVE_INFINITY },
      null,
      "512M",
    ]) {
      await expect(ProcessGroup.create({ mechanism, limits: limits as never })).rejects.toBeInstanceOf(
        InvalidInputError,
      );
    }
  });
});

describe.runIf(hostContainment().mechanism === "cgroup-v2")("ProcessGroup under cgroup v2", () => {
  it("a group is one cgroup under the owner cgroup, each run one nested in it; close() removes them", async () => {
    const group = await ProcessGroup.create({ mechanism: "cgroup-v2" });
    const dir = (group as unknown as { container: { dir: string } }).container.dir;
    const backend = CgroupBackend.settled() as CgroupBackend;
    expect(dir.startsWith(`${backend.ownerDir}/`)).toBe(true);
    const proc = await group.start(
      new Command("sh", ["-c", "grep '^0::' /proc/self/cgroup; exec sleep 300"]),
    );
    track(proc.pid as number);
    const line = await proc.waitForLine("0::", "10s");
    expect(line).toMatch(new RegExp(`${dir.split("/").slice(-1)[0]}/c\\d+$`));
    await group.close();
    expect(isAlive(proc.pid as number)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });
});
