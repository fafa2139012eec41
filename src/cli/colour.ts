/**
 * Whether to colour what we write, the way most command-line tools agree on: `NO_COLOR` (any
 * non-empty value) turns colour off, `FORCE_COLOR` turns it on (`0` or `false` turns it off),
 * and otherwise colour is used only when the descriptor is a terminal.
 */
import { isatty } from "node:tty";

export function colourEnabled(fd: number, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force.toLowerCase() !== "false";
  return isatty(fd);
}

/** Foreground colours that read well on dark and light terminals; command N gets COLOURS[N % 6]. */
const COLOURS = [36, 33, 32, 35, 34, 31] as const; // cyan, yellow, green, magenta, blue, red

/** A stable colour per position: the same command gets the same colour on every run. */
export function paint(text: string, index: number): string {
  const code = COLOURS[index % COLOURS.length] as number;
  return `\u001b[${code}m${text}\u001b[39m`;
}
