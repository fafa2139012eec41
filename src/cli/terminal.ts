/**
 * Is a person at a terminal driving us? True when our stdin is a terminal and our process
 * group is that terminal's foreground group — then Ctrl-C is delivered by the kernel to
 * the whole foreground group, which under cgroup v2 containment includes the child (the
 * cgroup launcher does not call setsid, so the child stays in our process group).
 *
 * Read from /proc/self/stat (pgrp, tty_nr, tpgid); `tty.isatty(0)` rather than
 * `process.stdin`, which would open a stream on the descriptor the child inherits.
 */
import { readFileSync } from "node:fs";
import { isatty } from "node:tty";

export function stdinIsTerminal(): boolean {
  return isatty(0);
}

/** Our stdin is a terminal and we are in its foreground process group. */
export function inTerminalForeground(): boolean {
  if (!stdinIsTerminal()) return false;
  try {
    const stat = readFileSync("/proc/self/stat", "latin1");
    // Fields after "(comm) ": state ppid pgrp session tty_nr tpgid …
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const pgrp = Number(fields[2]);
    const ttyNr = Number(fields[4]);
    const tpgid = Number(fields[5]);
    return ttyNr !== 0 && tpgid > 0 && tpgid === pgrp;
  } catch {
    return false;
  }
}
