/**
 * Escapees for the run-marker tests: a process in a session of its own carrying a given
 * PROCESSKIT_RUN value, started directly (no processkit in between) and killed by pid after
 * each test. `execLoop()` is a script that re-execs itself for ever: a scan often meets it
 * inside an execve, when its environment reads empty.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, expect } from "vitest";
import { RUN_MARKER } from "../../src/containment/pgroup/run-marker.js";
import { isAlive, killPids } from "./procs.js";

const started: number[] = [];
afterEach(() => {
  killPids(started.splice(0));
});

let dir: string | undefined;
afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/** The path of a `#!/bin/sh` script that execs itself again and again. */
export function execLoop(): string {
  dir ??= mkdtempSync(join(tmpdir(), "processkit-test-exec-"));
  const script = join(dir, "again.sh");
  writeFileSync(script, '#!/bin/sh\nexec /bin/sh "$0"\n', { mode: 0o755 });
  return script;
}

/** `/bin/sleep 300` (or `program`) in a new session with PROCESSKIT_RUN=`marker`; alive when this resolves. */
export async function escapee(marker: string, program?: string): Promise<number> {
  const child = spawn(program ?? "/bin/sleep", program === undefined ? ["300"] : [], {
    detached: true,
    stdio: "ignore",
    env: { PATH: "/usr/bin:/bin", [RUN_MARKER]: marker },
  });
  child.unref();
  const pid = child.pid as number;
  started.push(pid);
  // exec has replaced the fork once argv says what was asked.
  const argv0 = program === undefined ? "/bin/sleep" : "/bin/sh";
  for (let i = 0; i < 200 && !readFileSync(`/proc/${pid}/cmdline`, "latin1").startsWith(argv0); i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  expect(isAlive(pid)).toBe(true);
  return pid;
}

export const lastPid = (): number => Number(readFileSync("/proc/sys/kernel/ns_last_pid", "latin1"));
