import { afterEach, describe, expect, it } from "vitest";
import { Command, InvalidInputError, NotFoundError } from "../../src/index.js";
import { isAlive, killPids, NODE } from "../helpers/procs.js";

const created: number[] = [];
afterEach(() => killPids(created.splice(0)));

describe("spawnDetached", () => {
  it("starts a child that outlives the run machinery and is in its own session", async () => {
    const { pid } = await new Command(NODE, ["-e", "setInterval(() => {}, 1000)"]).spawnDetached();
    created.push(pid);
    expect(isAlive(pid)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(isAlive(pid)).toBe(true);
    const { readFileSync } = await import("node:fs");
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    expect(Number(fields[3])).toBe(pid); // session id: its own session leader
  });

  it("refuses interactive or piped stdin sources", async () => {
    await expect(new Command("cat").stdin("data").spawnDetached()).rejects.toBeInstanceOf(InvalidInputError);
  });

  it("raises typed errors for a missing program", async () => {
    await expect(new Command("definitely-not-a-program-xyz").spawnDetached()).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});
