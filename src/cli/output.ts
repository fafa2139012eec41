/**
 * Writing to our own stdout and stderr. Synchronous `fs.writeSync` on the raw descriptors,
 * never `process.stdout`/`process.stderr`: creating those streams puts a pipe into
 * non-blocking mode, and a child that inherits the same pipe would then see EAGAIN on its
 * writes. Synchronous writes also mean nothing is lost when we exit right after.
 */
import { writeSync } from "node:fs";

/** Writes all of `text` to `fd`; gives up quietly when the reader is gone (EPIPE) or the disk is full. */
export function writeFd(fd: number, text: string): void {
  const bytes = Buffer.from(text, "utf8");
  let offset = 0;
  let spins = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset, bytes.length - offset);
      spins = 0;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Someone else made the descriptor non-blocking: wait a moment and retry.
      if (code === "EAGAIN" && spins++ < 10_000) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
        continue;
      }
      return; // EPIPE (the reader went away) and friends: nothing useful left to do
    }
  }
}

export function writeOut(text: string): void {
  writeFd(1, text);
}

export function writeErr(text: string): void {
  writeFd(2, text);
}

/** One human line on stderr, prefixed with the subcommand: `processkit run: …`. */
export function note(subcommand: string, message: string): void {
  writeErr(`processkit${subcommand === "" ? "" : ` ${subcommand}`}: ${message}\n`);
}

/** One JSON document (or one JSON line) on stdout. */
export function writeJson(value: unknown): void {
  writeOut(`${JSON.stringify(value)}\n`);
}

/** A short human duration: 850ms, 2.4s, 1m05s, 2h03m. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1_000).toFixed(ms < 10_000 ? 2 : 1))}s`;
  const totalSeconds = Math.round(ms / 1_000);
  if (totalSeconds < 3_600) {
    return `${Math.floor(totalSeconds / 60)}m${String(totalSeconds % 60).padStart(2, "0")}s`;
  }
  const minutes = Math.floor(totalSeconds / 60);
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

/** Milliseconds rounded for JSON documents (three decimals are noise). */
export function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}
