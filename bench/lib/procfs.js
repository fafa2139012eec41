/** /proc helpers: process trees, liveness (zombies count as dead), peak RSS, open fds. */
import { readdirSync, readFileSync } from "node:fs";

/** Parses /proc/<pid>/stat; fields after the last ')' (the command name may hold spaces). */
export function readStat(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return undefined;
  }
  const close = text.lastIndexOf(")");
  const f = text.slice(close + 2).split(" ");
  return {
    pid,
    comm: text.slice(text.indexOf("(") + 1, close),
    state: f[0],
    ppid: Number(f[1]),
    pgrp: Number(f[2]),
    session: Number(f[3]),
    startTime: f[19], // field 22: start time in clock ticks since boot (pid-reuse guard)
  };
}

export function isLiveStat(stat) {
  return stat !== undefined && stat.state !== "Z" && stat.state !== "X" && stat.state !== "x";
}

/** True when `proc` ({pid, startTime}) is still the same, live (non-zombie) process. */
export function isAlive(proc) {
  const stat = readStat(proc.pid);
  return isLiveStat(stat) && stat.startTime === proc.startTime;
}

export function allStats() {
  const out = [];
  for (const name of readdirSync("/proc")) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const stat = readStat(Number(name));
    if (stat !== undefined) out.push(stat);
  }
  return out;
}

/** Live descendants of `rootPid` (by parent pid), the root itself included when alive. */
export function liveTree(rootPid) {
  const stats = allStats();
  const children = new Map();
  for (const s of stats) {
    if (!children.has(s.ppid)) children.set(s.ppid, []);
    children.get(s.ppid).push(s);
  }
  const root = stats.find((s) => s.pid === rootPid);
  const out = [];
  const queue = root ? [root] : [];
  while (queue.length > 0) {
    const s = queue.shift();
    if (isLiveStat(s)) out.push(s);
    for (const c of children.get(s.pid) ?? []) queue.push(c);
  }
  return out;
}

/** SIGKILLs each process of `procs` that is still the same live process. Returns how many it signalled. */
export function killSurvivors(procs) {
  let killed = 0;
  for (const p of procs) {
    if (!isAlive(p)) continue;
    try {
      process.kill(p.pid, "SIGKILL");
      killed++;
    } catch {
      // already gone
    }
  }
  return killed;
}

/** Peak resident set (VmHWM) of a pid in bytes, or undefined once it is gone. */
export function peakRss(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "latin1");
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export function openFdCount() {
  return readdirSync("/proc/self/fd").length;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
