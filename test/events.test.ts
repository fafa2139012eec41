/**
 * Diagnostics channels: spawn / exit / timeout / cancel / teardown are published with program,
 * pid, mechanism, outcome and durations — never argv values or env values.
 */
import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CancelledError, Command } from "../src/index.js";
import { isAlive, killPids, pidsIn } from "./helpers/procs.js";
import { node } from "./helpers/scripts.js";
import { type Watch, watchChannels } from "./helpers/watch.js";

const SECRET_ARG = "argv-sentinel-Jx93";
const SECRET_ENV = "env-sentinel-Qw71";

let watch: Watch;
beforeEach(() => {
  watch = watchChannels();
});
afterEach(() => watch.stop());

const created: number[] = [];
afterEach(() => killPids(created.splice(0)));

/** Fails if any recorded payload mentions a sentinel, however it is printed. */
function expectNoSecrets(): void {
  for (const { payload } of watch.events) {
    for (const text of [JSON.stringify(payload), inspect(payload, { depth: 10, showHidden: true })]) {
      expect(text).not.toContain(SECRET_ARG);
      expect(text).not.toContain(SECRET_ENV);
    }
  }
}

describe("processkit channels", () => {
  it("a normal run: spawn then exit, with program, pid, mechanism, outcome, duration", async () => {
    const result = await node(`console.log("${SECRET_ARG}".length)`, [SECRET_ARG])
      .env({ TOKEN: SECRET_ENV })
      .output();
    expect(result.exitCode).toBe(0);
    const [spawn] = watch.of("spawn");
    const [exit] = watch.of("exit");
    expect(spawn).toEqual({
      program: process.execPath,
      pid: expect.any(Number),
      mechanism: expect.any(String),
    });
    expect(["cgroup-v2", "process-group"]).toContain(spawn?.mechanism);
    expect(exit).toEqual({
      program: process.execPath,
      pid: spawn?.pid,
      outcome: { kind: "exited", code: 0 },
      durationMs: expect.any(Number),
    });
    expect(watch.events.findIndex((e) => e.channel === "spawn")).toBeLessThan(
      watch.events.findIndex((e) => e.channel === "exit"),
    );
    expect(watch.of("timeout")).toEqual([]);
    expect(watch.of("cancel")).toEqual([]);
    expectNoSecrets();
  });

  it("the leader's exit tears down what is left: a teardown event with cause leader-exit", async () => {
    const result = await new Command("sh", ["-c", `sleep 300 & echo $!; : ${SECRET_ARG}`])
      .env({ K: SECRET_ENV })
      .output();
    created.push(...pidsIn(result.stdout));
    const teardown = watch.of("teardown");
    expect(teardown).toContainEqual(
      expect.objectContaining({ program: "sh", cause: "leader-exit", phase: "kill", graceMs: 0 }),
    );
    expectNoSecrets();
  });

  it("a timeout: timeout event (absolute), graceful teardown, exit with timed-out", async () => {
    await node(`setInterval(() => {}, 1000)`, [SECRET_ARG])
      .env({ K: SECRET_ENV })
      .timeout("300ms")
      .timeoutGrace("1s")
      .output();
    expect(watch.of("timeout")).toEqual([
      { program: process.execPath, pid: expect.any(Number), kind: "absolute", timeoutMs: 300 },
    ]);
    expect(watch.of("teardown")).toContainEqual({
      program: process.execPath,
      pid: expect.any(Number),
      mechanism: expect.any(String),
      cause: "timeout",
      phase: "graceful",
      graceMs: 1000,
    });
    expect(watch.of("exit")[0]?.outcome).toEqual({ kind: "timed-out" });
    expectNoSecrets();
  });

  it("an inactivity timeout: kind inactivity, teardown kill", async () => {
    await node(`setInterval(() => {}, 1000)`).inactivityTimeout(200).output();
    expect(watch.of("timeout")[0]).toMatchObject({ kind: "inactivity", timeoutMs: 200 });
    expect(watch.of("teardown")).toContainEqual(
      expect.objectContaining({ cause: "inactivity", phase: "kill" }),
    );
    expect(watch.of("exit")[0]?.outcome).toEqual({ kind: "inactivity-timed-out" });
  });

  it("a cancel: cancel event, teardown kill, exit with cancelled", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error(SECRET_ARG)), 200);
    const error = await node(`setInterval(() => {}, 1000)`)
      .env({ K: SECRET_ENV })
      .cancelOn(controller.signal)
      .output()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect(watch.of("cancel")).toEqual([{ program: process.execPath, pid: expect.any(Number) }]);
    expect(watch.of("teardown")).toContainEqual(expect.objectContaining({ cause: "cancel", phase: "kill" }));
    expect(watch.of("exit")[0]?.outcome).toEqual({ kind: "cancelled" });
    expectNoSecrets();
  });

  it("an output limit: teardown with cause output-limit", async () => {
    await node(`process.stdout.write("x".repeat(100000))`)
      .outputLimit({ maxBytes: 10, onOverflow: "error" })
      .output()
      .catch(() => {});
    expect(watch.of("teardown")).toContainEqual(expect.objectContaining({ cause: "output-limit" }));
  });

  it("kill() on a started run: teardown with cause kill", async () => {
    const proc = await node(`setInterval(() => {}, 1000)`).start();
    await proc.kill();
    expect(watch.of("teardown")).toContainEqual(expect.objectContaining({ cause: "kill", pid: proc.pid }));
    expect(isAlive(proc.pid as number)).toBe(false);
  });

  it("nothing is published for a run that never started", async () => {
    await new Command("no-such-program-e1").output().catch(() => {});
    await new Command("true")
      .cancelOn(AbortSignal.abort())
      .output()
      .catch(() => {});
    expect(watch.events).toEqual([]);
  });
});
