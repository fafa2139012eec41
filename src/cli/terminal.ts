/**
 * Is a person at a terminal driving us? True when our stdin is a terminal and our process
 * group is that terminal's foreground group — then Ctrl-C is delivered by the kernel to
 * the whole foreground group, which under cgroup v2 containment includes the child (the
 * cgroup launcher does not call setsid, so the child stays in our process group).
 *
 * The process-group facts come from containment (the only reader of /proc); `tty.isatty(0)`
 * rather than `process.stdin`, which would open a stream on the descriptor the child inherits.
 */
import { isatty } from "node:tty";
import { inForegroundOfTerminal } from "../containment/proc.js";

export function stdinIsTerminal(): boolean {
  return isatty(0);
}

/** Our stdin is a terminal and we are in its foreground process group. */
export function inTerminalForeground(): boolean {
  return stdinIsTerminal() && inForegroundOfTerminal();
}
