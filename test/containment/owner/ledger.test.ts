import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GroupLedger } from "../../../src/containment/owner/ledger.js";

/** What the sentinel computes from the file: + adds, - removes, in order. */
function replay(path: string): number[] {
  const live = new Set<number>();
  for (const line of readFileSync(path, "latin1").split("\n")) {
    if (line.startsWith("+")) live.add(Number(line.slice(1)));
    if (line.startsWith("-")) live.delete(Number(line.slice(1)));
  }
  return [...live].sort((a, b) => a - b);
}

const dir = mkdtempSync(join(tmpdir(), "pk-ledger-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("GroupLedger", () => {
  it("is a private file (0600) that records registrations in order", () => {
    const live = new Set<number>();
    const ledger = GroupLedger.create(dir, () => live) as GroupLedger;
    expect(ledger).toBeDefined();
    try {
      expect(statSync(ledger.path).mode & 0o777).toBe(0o600);
      for (const pgid of [101, 102, 103]) {
        live.add(pgid);
        ledger.add(pgid);
      }
      live.delete(102);
      ledger.remove(102);
      expect(replay(ledger.path)).toEqual([101, 103]);
    } finally {
      rmSync(ledger.path, { force: true });
    }
  });

  it("stays small: after many runs it is rewritten to the live set, and replays the same", () => {
    const live = new Set<number>();
    const ledger = GroupLedger.create(dir, () => live) as GroupLedger;
    try {
      for (let pgid = 1_000; pgid < 11_000; pgid++) {
        live.add(pgid);
        ledger.add(pgid);
        if (pgid % 100 !== 0) {
          live.delete(pgid);
          ledger.remove(pgid);
        }
      }
      const size = statSync(ledger.path).size;
      expect(size).toBeLessThan(4_096 * 8 + 100 * 8);
      expect(replay(ledger.path)).toEqual([...live].sort((a, b) => a - b));
    } finally {
      rmSync(ledger.path, { force: true });
    }
  });

  it("stays as small when native children write their own registration lines", () => {
    const live = new Set<number>();
    const ledger = GroupLedger.create(dir, () => live) as GroupLedger;
    try {
      let largest = 0;
      for (let pgid = 1_000; pgid < 11_000; pgid++) {
        live.add(pgid);
        writeSync(ledger.fd, `+${pgid}\n`); // what a native child does before its exec
        ledger.countSelfWritten();
        if (pgid % 100 !== 0) {
          live.delete(pgid);
          ledger.remove(pgid);
        }
        largest = Math.max(largest, statSync(ledger.path).size);
      }
      // 4,096 lines of 6 bytes, plus the live set the last compaction wrote.
      expect(largest).toBeLessThan(4_096 * 6 + 100 * 6 + 64);
      expect(replay(ledger.path)).toEqual([...live].sort((a, b) => a - b));
    } finally {
      rmSync(ledger.path, { force: true });
    }
  });

  it("an owner's scratch directory (ledger, FIFOs) is removed when it exits (the sentinel does it)", async () => {
    const { spawnSync } = await import("node:child_process");
    const { resolve } = await import("node:path");
    const dist = resolve(import.meta.dirname, "../../../dist/index.js");
    const script = `
      const { Command, JobRunner } = await import(${JSON.stringify(dist)});
      await new JobRunner({ mechanism: "process-group" }).output(new Command("true"));
      await new Command("echo", ["x"]).pipe(new Command("cat")).output(); // FIFOs live there too
      const { readdirSync } = await import("node:fs");
      const { tmpdir } = await import("node:os");
      console.log(readdirSync(tmpdir()).filter((n) => n.startsWith("processkit-" + process.pid + "-")).join(","));
    `;
    const out = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(out.status).toBe(0);
    const name = out.stdout.trim();
    expect(name).toMatch(/^processkit-\d+-0-[0-9a-f]{12}$/); // positive control: it existed while the owner lived
    const path = `${(await import("node:os")).tmpdir()}/${name}`;
    const deadline = Date.now() + 5_000;
    while (existsSync(path) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(path)).toBe(false);
  });
});
