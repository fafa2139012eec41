/**
 * The run marker under process groups: what the marker holds, which escapees teardown finds by
 * it (a setsid child, a double fork into a new session, a nested processkit run's children),
 * the opt-outs, and the documented holes (a child that clears its environment survives).
 * Every survivor check first proves the process existed, then checks by pid.
 */
import { afterEach, describe, expect, it } from "vitest";
import { markerIn } from "../../../src/containment/pgroup/escapees.js";
import {
  inheritedTokens,
  markedEnvironment,
  markerAllowedByEnv,
  markerNames,
  RUN_MARKER,
} from "../../../src/containment/pgroup/run-marker.js";
import { Command, InvalidInputError, JobRunner, ProcessGroup } from "../../../src/index.js";
import { isAlive } from "../../helpers/procs.js";
import { distSnapshot, eventually, labelled, stat, track } from "../support.js";

const saved = process.env.PROCESSKIT_RUN_MARKER;
afterEach(() => {
  if (saved === undefined) delete process.env.PROCESSKIT_RUN_MARKER;
  else process.env.PROCESSKIT_RUN_MARKER = saved;
});

describe("the marker value", () => {
  it("holds only our tokens: inherited ones are kept, anything else is dropped", () => {
    expect(inheritedTokens("0123456789ab.1:not-ours:fedcba987654.22")).toEqual([
      "0123456789ab.1",
      "fedcba987654.22",
    ]);
    expect(inheritedTokens("a user's value")).toEqual([]);
    const env = markedEnvironment({ PROCESSKIT_RUN: "secret value", A: "1" }, ["0123456789ab.7"]);
    expect(env).toEqual({ PROCESSKIT_RUN: "0123456789ab.7", A: "1" });
    const nested = markedEnvironment({ PROCESSKIT_RUN: "0123456789ab.7" }, ["fedcba987654.1"]);
    expect(nested.PROCESSKIT_RUN).toBe("0123456789ab.7:fedcba987654.1");
  });

  it("matches a container token exactly, or every container of an owner by its prefix", () => {
    expect(markerNames("0123456789ab.7:fedcba987654.1", "fedcba987654.1")).toBe(true);
    expect(markerNames("0123456789ab.17", "0123456789ab.1")).toBe(false);
    expect(markerNames("0123456789ab.17", "0123456789ab.")).toBe(true);
  });

  it("is read from a NUL-separated environ block", () => {
    expect(markerIn("A=1\0PROCESSKIT_RUN=x.1\0B=2\0")).toBe("x.1");
    expect(markerIn("PROCESSKIT_RUN=y.2\0")).toBe("y.2");
    expect(markerIn("A=1\0XPROCESSKIT_RUN=z\0")).toBeUndefined();
  });

  it("PROCESSKIT_RUN_MARKER: on by default, off/0/false turn it off, anything else is rejected", () => {
    delete process.env.PROCESSKIT_RUN_MARKER;
    expect(markerAllowedByEnv()).toBe(true);
    process.env.PROCESSKIT_RUN_MARKER = "off";
    expect(markerAllowedByEnv()).toBe(false);
    process.env.PROCESSKIT_RUN_MARKER = "maybe";
    expect(() => markerAllowedByEnv()).toThrow(InvalidInputError);
    expect(() => new JobRunner({ runMarker: "yes" as unknown as boolean })).toThrow(InvalidInputError);
  });
});

/** A leader that starts a setsid child, a double fork into a new session, and one that clears its environment. */
const ESCAPEES = `setsid sleep 300 & echo "setsid $!"
(setsid sh -c 'sleep 300 & echo "dfork $!"' &) ; sleep 0.2
setsid env -i /bin/sleep 300 & c=$!; echo "cleared $c"
while grep -q PROCESSKIT_RUN "/proc/$c/environ" 2>/dev/null; do sleep 0.05; done # until env(1) has exec'd sleep
echo ready`;

async function escapees(configure: (c: Command) => Command, run: (c: Command) => Promise<unknown>) {
  const tree = labelled(ESCAPEES, configure);
  await run(tree.command);
  const pids = await tree.pids;
  const setsid = pids.setsid ?? -1;
  const dfork = pids.dfork ?? -1;
  const cleared = pids.cleared ?? -1;
  return { setsid, dfork, cleared };
}

describe("teardown finds escapees that kept the marker", () => {
  it("output(): the setsid child and the double fork die; one that cleared its environment is the documented hole", async () => {
    const runner = new JobRunner({ mechanism: "process-group" });
    const { setsid, dfork, cleared } = await escapees(
      (c) => c,
      (c) => runner.output(c),
    );
    // Positive control for the hole: it exists and left the group.
    expect(isAlive(cleared)).toBe(true);
    expect(await eventually(() => stat(setsid)?.session === setsid, 5_000)).toBe(true);
    expect(await eventually(() => !isAlive(setsid) && !isAlive(dfork), 5_000)).toBe(true);
    process.kill(cleared, "SIGKILL");
  });

  it("runMarker: false turns it off: the setsid child survives (then killed by pid)", async () => {
    const runner = new JobRunner({ mechanism: "process-group", runMarker: false });
    const { setsid, dfork } = await escapees(
      (c) => c,
      (c) => runner.output(c),
    );
    expect(isAlive(setsid)).toBe(true);
    expect(isAlive(dfork)).toBe(true);
  });

  it("PROCESSKIT_RUN_MARKER=off turns it off for runners that do not say", async () => {
    process.env.PROCESSKIT_RUN_MARKER = "off";
    const runner = new JobRunner({ mechanism: "process-group" });
    const { setsid } = await escapees(
      (c) => c,
      (c) => runner.output(c),
    );
    expect(isAlive(setsid)).toBe(true);
  });

  it("a group's kill() reaches escapees of runs that already ended", async () => {
    const group = await ProcessGroup.create({ mechanism: "process-group" });
    try {
      const { setsid, dfork, cleared } = await escapees(
        (c) => c,
        (c) => group.output(c),
      );
      expect(isAlive(setsid) && isAlive(dfork)).toBe(true); // a shared group keeps leftovers until it is killed
      await group.kill();
      expect(isAlive(setsid)).toBe(false);
      expect(isAlive(dfork)).toBe(false);
      track(cleared);
    } finally {
      await group.close();
    }
  });

  it("a nested processkit run keeps the outer marker: the outer teardown kills the inner run's escapee", async () => {
    const dist = await distSnapshot();
    // The inner owner starts a setsid child through its own runner, reports it, and waits.
    const inner = `const { Command, JobRunner } = await import(new URL("index.js", ${JSON.stringify(dist)}));
const r = new JobRunner({ mechanism: "process-group" });
const p = await r.start(new Command("sh", ["-c", 'setsid sleep 300 & echo "inner $!"; exec sleep 300']).onStdoutLine((l) => { console.log(l); console.log("ready"); }));
await p.finish();`;
    const tree = labelled(
      `exec "${process.execPath}" --input-type=module -e '${inner.replace(/'/g, "'\\''")}'`,
    );
    const runner = new JobRunner({ mechanism: "process-group" });
    const proc = await runner.start(tree.command);
    track(proc.pid ?? -1);
    const innerEscapee = (await tree.pids).inner ?? -1;
    expect(isAlive(innerEscapee)).toBe(true);
    // `$!` is known as soon as the shell forked: the setsid() inside may come a moment later.
    expect(await eventually(() => stat(innerEscapee)?.session === innerEscapee, 5_000)).toBe(true);
    await proc.kill(); // the outer run's teardown: the inner owner is SIGKILLed, its escapee by the marker
    expect(await eventually(() => !isAlive(innerEscapee), 5_000)).toBe(true);
  });

  it("a child gets exactly one marker: an inherited foreign value is replaced, our tokens are kept", async () => {
    const runner = new JobRunner({ mechanism: "process-group" });
    const inherited = "abcdef012345.9";
    const { stdout } = await runner.output(
      new Command("/bin/sh", ["-c", 'tr "\\0" "\\n" < /proc/$$/environ | grep "^PROCESSKIT_RUN="']).env({
        [RUN_MARKER]: `junk:${inherited}`,
      }),
    );
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const tokens = (lines[0] as string).slice(`${RUN_MARKER}=`.length).split(":");
    expect(tokens[0]).toBe(inherited);
    expect(tokens).toHaveLength(2);
    expect(tokens[1]).toMatch(/^[0-9a-f]{12}\.\d+$/);
  });
});
