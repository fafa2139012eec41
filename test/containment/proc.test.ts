/** /proc parsing: the only way to tell a live process from a zombie, by pid or by process group. */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isLive, isPidAlive, liveMembersOfGroups, parseStat, readStat } from "../../src/containment/proc.js";
import { NODE } from "../helpers/procs.js";
import { eventually, track } from "./support.js";

const TAIL = "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 12345 0 0";

describe("parseStat", () => {
  it("reads the fields after the last ')' (a command name may hold spaces and parens)", () => {
    const stat = parseStat(`4242 (we(ird) name)) S 1 4240 4240 ${TAIL}`);
    expect(stat).toEqual({
      pid: 4242,
      state: "S",
      ppid: 1,
      pgrp: 4240,
      session: 4240,
      kernelThread: false,
      startTime: "12345",
      envStart: 0, // a short line (an old kernel) has no environment fields
      envEnd: 0,
    });
  });

  it("a real line: flags say kernel thread or not; the environment block's ends (empty for env -i)", async () => {
    const self = readStat(process.pid);
    expect(self?.kernelThread).toBe(false);
    expect(self?.envStart).toBeGreaterThan(0);
    expect(self?.envEnd).toBeGreaterThan(self?.envStart as number);
    const kthreadd = readStat(2);
    if (kthreadd !== undefined && ["S", "I"].includes(kthreadd.state) && kthreadd.ppid === 0) {
      expect(kthreadd.kernelThread).toBe(true); // pid 2 is kthreadd where we see the host's pids
    }
    const bare = spawn("/usr/bin/env", ["-i", "/bin/sleep", "30"], { stdio: "ignore" });
    track(bare.pid as number);
    const execd = () => readFileSync(`/proc/${bare.pid}/cmdline`, "latin1").startsWith("/bin/sleep");
    expect(await eventually(() => execd() && (readStat(bare.pid as number)?.envStart ?? 0) > 0)).toBe(true);
    const stat = readStat(bare.pid as number);
    expect(stat?.envEnd).toBe(stat?.envStart);
    bare.kill("SIGKILL");
  });

  it("rejects text without a ')' or with too few fields", () => {
    expect(parseStat("garbage")).toBeUndefined();
    expect(parseStat("1 (x) S 0 1")).toBeUndefined();
  });

  it("zombies and exiting processes are not live", () => {
    for (const state of ["Z", "X", "x"]) {
      expect(isLive(parseStat(`7 (z) ${state} 1 7 7 ${TAIL}`))).toBe(false);
    }
    for (const state of ["R", "S", "D", "T", "t", "I"]) {
      expect(isLive(parseStat(`7 (z) ${state} 1 7 7 ${TAIL}`))).toBe(true);
    }
    expect(isLive(undefined)).toBe(false);
  });
});

describe("reading /proc", () => {
  it("this process is alive and has a stable start time", () => {
    expect(isPidAlive(process.pid)).toBe(true);
    expect(readStat(process.pid)?.startTime).toBe(readStat(process.pid)?.startTime);
    expect(readStat(process.pid)?.startTime).toMatch(/^\d+$/);
  });

  it("liveMembersOfGroups finds every live process of a group, and none once it died", async () => {
    const child = spawn(NODE, ["-e", "setInterval(() => {}, 1000)"], { detached: true, stdio: "ignore" });
    track(child.pid as number);
    const pgid = child.pid as number;
    expect(await eventually(() => liveMembersOfGroups(new Set([pgid]))?.includes(pgid) === true)).toBe(true);
    child.kill("SIGKILL");
    await once(child, "exit");
    expect(liveMembersOfGroups(new Set([pgid]))).toEqual([]);
    expect(isPidAlive(pgid)).toBe(false);
  });
});
