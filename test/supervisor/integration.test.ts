/**
 * Real processes under the real JobRunner: a child that crashes twice then succeeds, a
 * session stopped mid-run, a health-check kill. Every incarnation forks a grandchild that
 * holds stdout; the tests prove by pid that each one was alive while its incarnation ran
 * (positive control) and was gone before the next incarnation started and after the end.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { JobRunner, ProcessGroup, StopReason, Supervisor } from "../../src/index.js";
import { isAlive, killPids } from "../helpers/procs.js";
import { node } from "../helpers/scripts.js";

const created: number[] = [];
afterEach(() => killPids(created.splice(0)));

const dir = mkdtempSync(join(tmpdir(), "processkit-supervisor-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counters = 0;

type Step = "crash" | "hang" | "succeed";

/**
 * Run number n (counted in a file) does `steps[n]` (the last step repeats): it forks a
 * grandchild that inherits stdout and sleeps, prints "grandchild <pid>", then exits 1
 * ("crash"), stays up ("hang") or exits 0 ("succeed").
 */
function scripted(steps: readonly Step[]) {
  const counter = join(dir, `count-${++counters}`);
  const script = `
    const fs = require("node:fs");
    const { spawn } = require("node:child_process");
    const steps = ${JSON.stringify(steps)};
    const file = process.argv[1];
    let n = 0;
    try { n = Number(fs.readFileSync(file, "utf8")); } catch {}
    fs.writeFileSync(file, String(n + 1));
    const g = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: ["ignore", "inherit", "inherit"] });
    console.log("grandchild " + g.pid);
    const step = steps[Math.min(n, steps.length - 1)];
    if (step === "hang") setInterval(() => {}, 1000);
    else setTimeout(() => process.exit(step === "crash" ? 1 : 0), 50);
  `;
  return node(script, [counter]);
}

/** Records every grandchild pid as its line arrives: checks it is alive and that all earlier ones are dead. */
function tracker() {
  const pids: number[] = [];
  const aliveWhenReported: boolean[] = [];
  const earlierDeadWhenReported: boolean[] = [];
  const onLine = (line: string) => {
    const match = /^grandchild (\d+)$/.exec(line);
    if (!match) return;
    const pid = Number(match[1]);
    created.push(pid);
    earlierDeadWhenReported.push(pids.every((p) => !isAlive(p)));
    aliveWhenReported.push(isAlive(pid));
    pids.push(pid);
  };
  return { pids, aliveWhenReported, earlierDeadWhenReported, onLine };
}

describe.each([
  ["the default mechanism", () => new JobRunner()],
  ["process-group", () => new JobRunner({ mechanism: "process-group" })],
])("real processes under %s", (_name, makeRunner) => {
  it("a child that crashes twice then succeeds: restarts === 2, no process left behind", async () => {
    const t = tracker();
    const outcome = await new Supervisor(scripted(["crash", "crash", "succeed"]).onStdoutLine(t.onLine))
      .withRunner(makeRunner())
      .backoff("20ms")
      .jitter(false)
      .run();
    expect(outcome.restarts).toBe(2);
    expect(outcome.stopped).toBe(StopReason.PolicySatisfied);
    expect(outcome.finalResult.exitCode).toBe(0);
    expect(t.pids).toHaveLength(3);
    // Positive control: each grandchild was alive while its incarnation ran …
    expect(t.aliveWhenReported).toEqual([true, true, true]);
    // … every earlier incarnation's tree was gone before the next one started …
    expect(t.earlierDeadWhenReported).toEqual([true, true, true]);
    // … and nothing is left now.
    for (const pid of t.pids) expect(isAlive(pid), `grandchild ${pid}`).toBe(false);
  });

  it("a session stopped mid-run takes the incarnation's whole tree down", async () => {
    const t = tracker();
    const session = new Supervisor(scripted(["hang"]).onStdoutLine(t.onLine))
      .withRunner(makeRunner())
      .start();
    let leader = 0;
    for await (const event of session.events()) {
      if (event.type === "incarnation-started") {
        leader = event.pid as number;
        created.push(leader);
        break;
      }
    }
    expect(leader).toBeGreaterThan(0);
    expect(session.status()).toMatchObject({ state: "running", active: true, pid: leader });
    // The grandchild's line arrives through the command's line handler.
    const deadline = Date.now() + 10_000;
    while (t.pids.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(isAlive(leader)).toBe(true);
    expect(t.aliveWhenReported).toEqual([true]);
    const outcome = await session.stop({ grace: "2s" });
    expect(outcome.stopped).toBe(StopReason.Stopped);
    expect(outcome.finalResult?.signal).toBe("SIGTERM");
    expect(isAlive(leader)).toBe(false);
    expect(isAlive(t.pids[0] as number)).toBe(false);
  });
});

describe("real processes: a shared ProcessGroup as the runner", () => {
  it("incarnations share the group: leftovers live on in it until the group is torn down", async () => {
    const t = tracker();
    {
      await using group = await ProcessGroup.create();
      const outcome = await new Supervisor(scripted(["crash", "crash", "succeed"]).onStdoutLine(t.onLine))
        .withRunner(group)
        .backoff("20ms")
        .jitter(false)
        .run();
      expect(outcome.restarts).toBe(2);
      expect(t.pids).toHaveLength(3);
      // A shared group keeps what a run left behind (that is what it is for) …
      for (const pid of t.pids) expect(isAlive(pid), `grandchild ${pid} in the group`).toBe(true);
      const members = await group.members();
      expect(members.length).toBeGreaterThan(0);
    }
    // … and tearing the group down takes all of it.
    for (const pid of t.pids) expect(isAlive(pid), `grandchild ${pid} after the group`).toBe(false);
  });
});

describe("real processes: health check", () => {
  it("a hung incarnation is killed by its health check and restarted; its tree is gone", async () => {
    const t = tracker();
    const probedPids: (number | undefined)[] = [];
    const outcome = await new Supervisor(scripted(["hang", "succeed"]).onStdoutLine(t.onLine))
      .backoff("20ms")
      .jitter(false)
      .healthCheck(
        // Only the first incarnation is unhealthy, and only once it is up (its grandchild line
        // is in, so its run is counted): killing it earlier would race its counter write, and
        // a slow start of the second under load must not be mistaken for a hang.
        ({ pid, incarnation }) => {
          probedPids.push(pid);
          return incarnation !== 1 || t.pids.length === 0;
        },
        { interval: "200ms", failures: 2 },
      )
      .run();
    expect(outcome.livenessKills).toBe(1);
    expect(outcome.restarts).toBe(1);
    expect(outcome.finalResult.exitCode).toBe(0);
    expect(probedPids.length).toBeGreaterThanOrEqual(2);
    expect(probedPids[0]).toBeGreaterThan(0);
    expect(t.pids).toHaveLength(2);
    expect(t.aliveWhenReported).toEqual([true, true]);
    expect(t.earlierDeadWhenReported).toEqual([true, true]);
    for (const pid of [...t.pids, ...(probedPids as number[])]) expect(isAlive(pid)).toBe(false);
  });
});
