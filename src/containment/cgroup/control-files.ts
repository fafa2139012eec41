/**
 * Reading and writing cgroup v2 control files. All synchronous and tiny (one short read or
 * write on a pseudo-filesystem, no I/O wait) — except that we never write `cgroup.procs`
 * here: migration can stall for an RCU grace period, so only the launcher (in the child)
 * does it.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, rmdirSync, writeFileSync } from "node:fs";

export function writeControl(dir: string, file: string, value: string): boolean {
  try {
    writeFileSync(`${dir}/${file}`, value);
    return true;
  } catch {
    return false;
  }
}

/** Control files are tiny: one reused buffer, and no fstat per read (readFileSync's), on the hot path. */
const buffer = Buffer.allocUnsafe(64 * 1024);

export function readControl(dir: string, file: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(`${dir}/${file}`, "r");
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n)
      n = readSync(fd, buffer, length, buffer.length - length, null);
    // A larger file (a cgroup.procs with thousands of pids) is read whole the ordinary way.
    return length < buffer.length
      ? buffer.toString("latin1", 0, length)
      : readFileSync(`${dir}/${file}`, "latin1");
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** `populated 1` while any process lives in the cgroup or below. Missing dir → not populated. */
export function isPopulated(dir: string): boolean {
  const events = readControl(dir, "cgroup.events");
  return events?.includes("populated 1") === true;
}

export function isFrozen(dir: string): boolean {
  const events = readControl(dir, "cgroup.events");
  return events?.includes("frozen 1") === true;
}

/** Sub-cgroup directories (depth-first order is the caller's business). */
export function childCgroups(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `${dir}/${entry.name}`);
  } catch {
    return [];
  }
}

/** Every pid in the cgroup and all its descendants. */
export function allProcs(dir: string): number[] {
  const pids: number[] = [];
  const walk = (d: string) => {
    const text = readControl(d, "cgroup.procs");
    if (text !== undefined) {
      for (const line of text.split("\n")) if (line !== "") pids.push(Number(line));
    }
    for (const child of childCgroups(d)) walk(child);
  };
  walk(dir);
  return pids;
}

/** Removes a cgroup and everything nested in it, deepest first. False if something is still populated. */
export function removeTree(dir: string): boolean {
  // The common case has no nested cgroups: try the rmdir first, walk only when it is refused.
  try {
    rmdirSync(dir);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return true;
    if (code !== "EBUSY" && code !== "ENOTEMPTY") return false;
  }
  let ok = true;
  for (const child of childCgroups(dir)) ok = removeTree(child) && ok;
  try {
    rmdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") ok = false;
  }
  return ok;
}

/** Parses `cpu.stat` → CPU time in ms (user + system), or undefined. */
export function cpuTimeMs(dir: string): number | undefined {
  const text = readControl(dir, "cpu.stat");
  const match = text === undefined ? null : /^usage_usec (\d+)$/m.exec(text);
  return match ? Number(match[1]) / 1000 : undefined;
}

/** `memory.peak` (kernel ≥ 5.19 with the memory controller enabled), else undefined. */
export function peakMemoryBytes(dir: string): number | undefined {
  const text = readControl(dir, "memory.peak");
  return text === undefined ? undefined : Number(text.trim());
}
