/**
 * Helpers for tests that prove "nothing survives": check a pid by /proc state (a zombie is
 * dead: it runs no code and holds no pipes; this sandbox's PID 1 never reaps orphans), wait
 * for death with a generous bound, and clean up only pids the test itself created.
 */
import { readFileSync } from "node:fs";

export const NODE = process.execPath;

export function procState(pid: number): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "latin1");
    return text.slice(text.lastIndexOf(")") + 2).split(" ")[0];
  } catch {
    return undefined;
  }
}

/** Running, sleeping, stopped … anything but gone or zombie. */
export function isAlive(pid: number): boolean {
  const state = procState(pid);
  return state !== undefined && state !== "Z" && state !== "X";
}

/** Waits until the pid is dead (or the bound passes) and returns whether it died. */
export async function waitDead(pid: number, withinMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return !isAlive(pid);
}

/** Kills pids a test created, if a failed assertion left them running. */
export function killPids(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** Parses every integer on its own line: how tree scripts report the pids they forked. */
export function pidsIn(text: string): number[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^\d+$/.test(l))
    .map(Number);
}
