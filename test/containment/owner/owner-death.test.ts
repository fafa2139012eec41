/**
 * Owner death: a separate Node process starts the labelled tree and then ends by a natural
 * exit (with its start()ed child still running), process.exit, an uncaught exception, SIGTERM
 * (default action) and SIGKILL. Whatever the way, the tree is torn down — under cgroup v2 with
 * no survivor at all and the owner cgroup removed; under process groups every group member
 * (the setsid escapee is found by its run marker).
 */
import { existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { afterAll, describe, expect, it } from "vitest";
import { isAlive } from "../../helpers/procs.js";
import { alive, eventually, MECHANISMS, stat } from "../support.js";
import { type Owner, type OwnerMode, startOwner } from "./owner-script.js";

/** Generous: the sentinel needs milliseconds, a loaded 2-core machine may need much more. */
const BOUND_MS = 15_000;

type Ending = "natural" | "process.exit" | "uncaught exception" | "SIGTERM" | "SIGKILL";
const ENDINGS: ReadonlyArray<[Ending, OwnerMode, { code: number | null; signal: NodeJS.Signals | null }]> = [
  ["natural", "natural", { code: 0, signal: null }],
  ["process.exit", "exit", { code: 3, signal: null }],
  ["uncaught exception", "throw", { code: 1, signal: null }],
  ["SIGTERM", "wait", { code: null, signal: "SIGTERM" }],
  ["SIGKILL", "wait", { code: null, signal: "SIGKILL" }],
];

const measured: string[] = [];
afterAll(() => {
  if (measured.length > 0) console.info(`owner-death cleanup latency:\n  ${measured.join("\n  ")}`);
});

/** Positive control on the owner's report: it used the mechanism asked for and its tree is alive. */
async function expectOwnerTree(owner: Owner, mechanism: string): Promise<void> {
  const { info } = owner;
  expect(info.mechanism).toBe(mechanism);
  expect(info.sentinel).not.toBeNull();
  expect(isAlive(info.sentinel as number)).toBe(true);
  const tree = [info.leader, info.bg, info.setsid, info.dfork];
  expect(await eventually(() => alive(tree).length === 4 && stat(info.setsid)?.session === info.setsid)).toBe(
    true,
  );
  if (mechanism === "cgroup-v2") {
    expect(info.ownerDir).toMatch(new RegExp(`/processkit-${info.owner}-0-[0-9a-f]+$`));
    expect(existsSync(info.ownerDir as string)).toBe(true);
  } else {
    expect(info.leaderPgid).toBe(info.leader);
    expect(info.groups).toContain(info.leader);
  }
}

/** After the owner is gone: the tree (and the sentinel) die, the owner cgroup disappears. */
async function expectCleanedUp(owner: Owner, mechanism: string, label: string, since: number): Promise<void> {
  const { info } = owner;
  // Under process groups the setsid child left the group but kept the run marker: it dies too.
  const mustDie = [info.leader, info.bg, info.setsid, info.dfork];
  const treeGone = await eventually(() => alive(mustDie).length === 0, BOUND_MS);
  const treeMs = Date.now() - since;
  expect(alive(mustDie), `survivors after ${label}`).toEqual([]);
  expect(treeGone).toBe(true);
  if (mechanism === "cgroup-v2") {
    const dirGone = await eventually(() => !existsSync(info.ownerDir as string), BOUND_MS);
    expect(dirGone, `${info.ownerDir} still exists after ${label}`).toBe(true);
    measured.push(
      `${mechanism} ${label}: tree dead after ${treeMs} ms, owner cgroup removed after ${Date.now() - since} ms`,
    );
  } else {
    measured.push(`${mechanism} ${label}: group members dead after ${treeMs} ms`);
  }
  expect(await eventually(() => !isAlive(info.sentinel as number), BOUND_MS)).toBe(true);
  // The owner's scratch directory (its ledger) goes too, whichever sentinel removes it.
  const scratch = () => readdirSync(tmpdir()).filter((name) => name.startsWith(`processkit-${info.owner}-`));
  expect(await eventually(() => scratch().length === 0, BOUND_MS), `left: ${scratch().join(", ")}`).toBe(
    true,
  );
}

describe.each(MECHANISMS)("owner death: %s", (mechanism) => {
  it.each(ENDINGS)("owner ends by %s → its tree is torn down", async (label, mode, expected) => {
    const owner = await startOwner(mode, mechanism);
    await expectOwnerTree(owner, mechanism);
    const since = Date.now();
    if (label === "SIGTERM" || label === "SIGKILL") owner.child.kill(label);
    else owner.end();
    const ended = await owner.exited;
    expect(ended, owner.stderr()).toEqual(expected);
    await expectCleanedUp(owner, mechanism, label, since);
  });

  it("the sentinel ignores INT/HUP/TERM; SIGKILLed, it is respawned and still cleans up after an owner SIGKILL", async () => {
    const owner = await startOwner("wait", mechanism);
    await expectOwnerTree(owner, mechanism);
    const first = owner.info.sentinel as number;

    for (const signal of ["SIGINT", "SIGHUP", "SIGTERM", "SIGQUIT"] as const) process.kill(first, signal);
    await new Promise((r) => setTimeout(r, 200));
    expect(isAlive(first)).toBe(true);

    process.kill(first, "SIGKILL");
    const second = await owner.nextSentinel();
    expect(second).not.toBeNull();
    expect(second).not.toBe(first);
    expect(isAlive(second as number)).toBe(true);
    expect(isAlive(first)).toBe(false);
    // Losing the sentinel did not touch the tree.
    const { info } = owner;
    expect(alive([info.leader, info.bg, info.setsid, info.dfork])).toHaveLength(4);

    const since = Date.now();
    owner.child.kill("SIGKILL");
    await owner.exited;
    await expectCleanedUp(
      { ...owner, info: { ...info, sentinel: second } },
      mechanism,
      "SIGKILL after respawn",
      since,
    );
  });
});
