/**
 * The group ledger: where the owner writes `+pgid` / `-pgid` lines for the sentinel to read
 * only once the owner is gone. Appending to a private file wakes nobody (~5 µs), where a line
 * on the sentinel's pipe wakes the sentinel every time (a context switch: ~90 µs per spawn on
 * a 2-core machine). The file lives in the owner's scratch directory, is created O_EXCL with
 * mode 0600 and rewritten to the live set (atomically, by rename) when it grows, so it stays
 * small however many runs come and go.
 */

import { randomBytes } from "node:crypto";
import { closeSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";

/** Lines written before the file is rewritten to the live set. */
const COMPACT_AFTER = 4_096;

export class GroupLedger {
  private lines = 0;

  private constructor(
    readonly path: string,
    private file: number,
    private readonly live: () => Iterable<number>,
  ) {}

  /** A new ledger in `dir`, or undefined where no private file can be made (the pipe is used instead). */
  static create(dir: string | null, live: () => Iterable<number>): GroupLedger | undefined {
    if (dir === null) return undefined;
    const path = join(dir, `groups-${randomBytes(4).toString("hex")}`);
    try {
      return new GroupLedger(path, openSync(path, "wx", 0o600), live);
    } catch {
      return undefined;
    }
  }

  /** The open file (it changes when the ledger is compacted). */
  get fd(): number {
    return this.file;
  }

  add(pgid: number): void {
    this.append(`+${pgid}\n`);
  }

  remove(pgid: number): void {
    this.append(`-${pgid}\n`);
  }

  /**
   * A `+pgid` line a native child wrote itself through `fd`: counted like ours, so the file is
   * compacted as often (a sentinel replays every line of it).
   */
  countSelfWritten(): void {
    if (++this.lines >= COMPACT_AFTER) this.compact();
  }

  private append(line: string): void {
    try {
      writeSync(this.file, line);
    } catch {
      return; // a full disk: the exit sweep still covers orderly exits
    }
    if (++this.lines >= COMPACT_AFTER) this.compact();
  }

  /**
   * Rewrites the file to the groups alive now; rename makes the switch atomic for the sentinel.
   * Also drops a line a native child wrote for itself before a spawn that then failed.
   */
  compact(): void {
    const next = `${this.path}.${randomBytes(3).toString("hex")}`;
    let fd: number | undefined;
    try {
      fd = openSync(next, "wx", 0o600);
      const live = [...this.live()];
      if (live.length > 0) writeSync(fd, live.map((pgid) => `+${pgid}\n`).join(""));
      renameSync(next, this.path);
    } catch {
      if (fd !== undefined) closeSync(fd);
      try {
        unlinkSync(next);
      } catch {
        // never created
      }
      return;
    }
    closeSync(this.file);
    this.file = fd;
    this.lines = 0;
  }
}
