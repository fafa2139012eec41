/**
 * The environment matrix (issue 14): processkit in the environments Node really runs in, each
 * built here with unshare/mount namespaces as root — root with cgroup v2, an unprivileged uid
 * without and with a delegated subtree, a read-only cgroupfs, a tmpfs over the cgroupfs with
 * a fake unified/, Node as PID 1, an empty /proc, a PATH with unusable entries.
 *
 * In each: hostContainment() before the first run must say what the runs then get; then, by
 * host pid, output() of a tree (background child, setsid child, double fork, daemon-style
 * double fork into a new session), a 1 s timeout of a TERM-ignoring tree, and the owner's
 * SIGKILL. Every check first proves the tree existed. Afterwards no $TMPDIR/processkit-*
 * directory and no owner cgroup may outlive the owner. The advice printed for a broken
 * environment is applied to it and must give cgroup v2.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ADVICE_APPLIED, ENVIRONMENTS, type Environment, MEMBERS, SETSID_MEMBERS } from "./environments.js";
import {
  cannotRun,
  delegatedCgroup,
  findMembers,
  isLive,
  killPids,
  Owner,
  removeCgroupTree,
  type Step,
  sessionOf,
  Workspace,
} from "./harness.js";

const skipped = cannotRun();
if (skipped !== undefined) console.log(`environment matrix skipped: ${skipped}`);

const BOUND_MS = 15_000;
let workspace: Workspace;
const cleanup: Array<() => void | Promise<void>> = [];
beforeAll(() => {
  if (skipped === undefined) workspace = new Workspace();
});
/** Runs every cleanup step even when one fails (a failed test must not leak the next one's). */
async function runCleanup(): Promise<void> {
  for (const step of cleanup.splice(0).reverse()) {
    try {
      await step();
    } catch (error) {
      console.log(`environment matrix cleanup: ${(error as Error).message}`);
    }
  }
}
afterEach(runCleanup, 60_000);
afterAll(async () => {
  await runCleanup();
  workspace?.remove();
}, 60_000);

let nextBase = 700_000 + Math.floor(Math.random() * 200_000) * 10;

async function eventually(check: () => boolean, withinMs = BOUND_MS): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

interface Started {
  readonly owner: Owner;
  readonly host: Step;
  readonly delegated: string | undefined;
}

function start(env: Environment, scenario: "runs" | "sigkill" | "probe"): Started & { ready: Promise<Step> } {
  const delegated = env.delegate === undefined ? undefined : delegatedCgroup(env.delegate);
  if (delegated !== undefined) {
    cleanup.push(async () => {
      // The owner's sentinel lives in the delegated cgroup too, and an environment may have put
      // the owner in a leaf below it: wait until the whole subtree is empty (cgroup.events counts
      // descendants; the top cgroup.procs alone does not), then remove it depth-first.
      await eventually(() => /^populated 0$/m.test(readFileSync(`${delegated}/cgroup.events`, "latin1")));
      removeCgroupTree(delegated);
    });
  }
  nextBase += 10;
  const base = nextBase;
  const tmp = workspace.tmpdir();
  const owner = new Owner(env, workspace, scenario, base, tmp, join(tmp, "..", `flag-${base}`), delegated);
  cleanup.push(() => {
    // Never a stale pid (pid_max is 32768 here and wraps within minutes): the owner only while
    // Node has not reaped it, the tree's members only as found by their unique command lines now.
    if (owner.child.exitCode === null && owner.child.signalCode === null)
      killPids([owner.child.pid as number]);
    killPids(findMembers(base).values());
  });
  const ready = owner.next("host");
  return { owner, host: undefined as unknown as Step, delegated, ready };
}

/** hostContainment() before any run, against what this environment must get. */
function expectTruthfulHost(env: Environment, host: Step, delegated: string | undefined): void {
  const report = host.host as {
    mechanism: string;
    reasons: string[];
    advice: string[];
    pid1: boolean;
    cgroupPath?: string;
  };
  expect(report.mechanism).toBe(env.expect.mechanism);
  expect(report.pid1).toBe(env.expect.pid1 ?? false);
  if (env.expect.reason !== undefined) expect(report.reasons.join("\n")).toMatch(env.expect.reason);
  if (env.expect.advice !== undefined) expect(report.advice.join("\n")).toContain(env.expect.advice);
  if (env.delegate === "full" && env.expect.mechanism === "cgroup-v2")
    expect(report.cgroupPath).toBe(delegated);
  // Never a contradiction: cgroup v2 reported means its cgroup path too, and nothing else.
  if (report.mechanism === "cgroup-v2") expect(report.cgroupPath).toBeDefined();
  else expect(report.cgroupPath).toBeUndefined();
}

/** Positive control: every member runs, and the setsid ones really left the leader's session. */
async function expectTreeUp(base: number, withLeader = false): Promise<Map<number, number>> {
  let members = new Map<number, number>();
  // The leader prints "ready" before it execs `sleep <base + 5>`: wait for that exec when asked.
  const wanted = withLeader ? [...MEMBERS, 5] : MEMBERS;
  const ok = await eventually(() => {
    members = findMembers(base);
    return (
      wanted.every((n) => members.has(n)) &&
      SETSID_MEMBERS.every((n) => sessionOf(members.get(n) as number) === members.get(n))
    );
  }, 10_000);
  expect(ok, `tree members seen: ${JSON.stringify([...members])}`).toBe(true);
  return members;
}

function survivorsOf(members: Map<number, number>): number[] {
  return [...members]
    .filter(([, pid]) => isLive(pid))
    .map(([n]) => n)
    .sort();
}

/** Nothing of the owner is left: its TMPDIR is empty and its owner cgroup is gone. */
async function expectNoLeftovers(owner: Owner, ownerDir: unknown, keepOwnerCgroup = false): Promise<void> {
  const empty = await eventually(() => readdirSync(owner.tmpdir).length === 0);
  expect(empty, `left in TMPDIR: ${readdirSync(owner.tmpdir).join(", ")}`).toBe(true);
  if (typeof ownerDir === "string") {
    if (keepOwnerCgroup) {
      // The documented hole of a SIGKILLed PID 1: nobody is left to rmdir it. It must hold nothing.
      expect(readFileSync(`${ownerDir}/cgroup.procs`, "latin1").trim()).toBe("");
      removeCgroupTree(ownerDir);
    }
    expect(await eventually(() => !existsSync(ownerDir)), `${ownerDir} outlived its owner`).toBe(true);
  }
}

describe.skipIf(skipped !== undefined).each(ENVIRONMENTS)("environment matrix: $name", (env) => {
  const expectedSurvivors = [...(env.expect.survivors ?? [])].sort();

  it("hostContainment() tells the truth before the first run; output() and a 1 s timeout of a TERM-ignoring tree leave nothing", async () => {
    const { owner, delegated, ready } = start(env, "runs");
    const host = await ready;
    expectTruthfulHost(env, host, delegated);

    // output(): the leader exits once the flag exists, leaving its four descendants behind.
    await owner.next("tree-up", 0);
    const first = await expectTreeUp(owner.base);
    writeFileSync(owner.flag, "");
    const output = await owner.next("settled", 0);
    expect(output.mechanism).toBe(env.expect.mechanism); // what the runs got is what was reported
    expect(output.exitCode).toBe(0);
    expect(survivorsOf(first), "survivors of output()").toEqual(expectedSurvivors);
    // The documented survivors were just seen alive, so their pids are still theirs. (A new
    // tree with the same numbers starts now: findMembers would find its members too.)
    killPids(
      [...first].filter(([n, pid]) => expectedSurvivors.includes(n) && isLive(pid)).map(([, pid]) => pid),
    );

    // A 1 s timeout of a tree that ignores SIGTERM: the grace runs out, SIGKILL follows.
    await owner.next("tree-up", 1);
    const second = await expectTreeUp(owner.base, true);
    const timed = await owner.next("settled", 1);
    expect(timed.timedOut).toBe(true);
    expect(timed.mechanism).toBe(env.expect.mechanism);
    expect(survivorsOf(second), "survivors of the timeout").toEqual(expectedSurvivors);
    expect(isLive(second.get(5) ?? -1)).toBe(false); // the leader too
    killPids(findMembers(owner.base).values());

    expect(await owner.exited, owner.stderr).toBe(0);
    await expectNoLeftovers(owner, host.ownerDir);
  }, 60_000);

  it("the owner's SIGKILL takes the tree down, and nothing of the owner is left", async () => {
    const { owner, ready } = start(env, "sigkill");
    const host = await ready;
    await owner.next("tree-up");
    const members = await expectTreeUp(owner.base, true);

    process.kill(owner.hostPid(), "SIGKILL");
    await owner.exited;
    const gone = await eventually(() => survivorsOf(members).length === expectedSurvivors.length);
    expect(gone && survivorsOf(members)).toEqual(expectedSurvivors);
    killPids(findMembers(owner.base).values());
    await expectNoLeftovers(owner, host.ownerDir, env.expect.pid1 === true);
  }, 60_000);
});

describe.skipIf(skipped !== undefined).each(ADVICE_APPLIED)("advice applied: $name", (env) => {
  it("gives cgroup v2, reported before the first run and used by it", async () => {
    const { owner, delegated, ready } = start(env, "probe");
    const host = await ready;
    expectTruthfulHost(env, host, delegated);
    const run = await owner.next("settled");
    expect(run.mechanism).toBe("cgroup-v2");
    expect(run.stdout).toBe("ok\n");
    expect(await owner.exited, owner.stderr).toBe(0);
    await expectNoLeftovers(owner, host.ownerDir);
  }, 60_000);
});
