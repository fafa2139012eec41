/** shutdown({ grace }): SIGTERM, a grace period, then SIGKILL; resolves when the tree is gone. */
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../../src/index.js";
import { isAlive } from "../../helpers/procs.js";
import { node } from "../../helpers/scripts.js";

describe("shutdown({ grace })", () => {
  it("a child that handles SIGTERM exits cleanly within the grace", async () => {
    await using proc = await node(
      `process.on("SIGTERM", () => { console.log("bye"); process.exit(0); }); console.log("up"); setInterval(() => {}, 1000)`,
    ).start();
    await proc.waitForLine("up", "10s");
    const finished = await proc.shutdown({ grace: "5s" });
    expect(finished.outcome).toEqual({ kind: "exited", code: 0 });
    expect(finished.stdout).toBe("up\nbye\n");
    expect(isAlive(proc.pid as number)).toBe(false);
  });

  it("a child that ignores SIGTERM is killed when the grace runs out", async () => {
    await using proc = await node(
      `process.on("SIGTERM", () => console.log("ignored")); console.log("up"); setInterval(() => {}, 1000)`,
    ).start();
    await proc.waitForLine("up", "10s");
    const finished = await proc.shutdown({ grace: "300ms" });
    expect(finished.outcome).toEqual({ kind: "signalled", signal: "SIGKILL" });
    expect(finished.stdout).toContain("ignored");
    expect(isAlive(proc.pid as number)).toBe(false);
  });

  it("accepts a number of ms, and graceMs still works", async () => {
    const idle = node(`console.log("up"); setInterval(() => {}, 1000)`);
    await using a = await idle.start();
    await a.waitForLine("up", "10s");
    expect((await a.shutdown({ grace: 0 })).outcome).toEqual({ kind: "signalled", signal: "SIGKILL" });
    await using b = await idle.start();
    await b.waitForLine("up", "10s");
    expect((await b.shutdown({ graceMs: 5000 })).outcome).toEqual({ kind: "signalled", signal: "SIGTERM" });
  });

  it("an invalid grace throws InvalidInputError and signals nothing", async () => {
    await using proc = await node(`console.log("up"); setInterval(() => {}, 1000)`).start();
    expect(() => proc.shutdown({ grace: "5 parsecs" })).toThrow(InvalidInputError);
    expect(() => proc.shutdown({ grace: -1 })).toThrow(InvalidInputError);
    expect(isAlive(proc.pid as number)).toBe(true);
  });
});
