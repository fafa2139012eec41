/**
 * The prefix in front of every relayed line (`processkit all`, `batch --stream`, `with` with
 * several services): `[api]`, `[0]`, `[12345]`, `[12:03:04.250]` or nothing, optionally with a
 * timestamp, coloured per command when the target is a terminal (see colour.ts).
 */
import { colourEnabled, paint } from "./colour.js";
import { writeFd } from "./output.js";

export const PREFIX_KINDS = ["name", "index", "pid", "time", "none"] as const;
export type PrefixKind = (typeof PREFIX_KINDS)[number];

export interface PrefixOptions {
  readonly kind: PrefixKind;
  /** Put the time of day in front of every line (besides the prefix). */
  readonly timestamp: boolean;
  /** Pad names to this width so the lines line up. */
  readonly width: number;
}

/** Writes one command's lines, whole, each in one write (so lines from two commands never tear). */
export class LineRelay {
  private readonly colour: Readonly<Record<1 | 2, boolean>>;
  /** The pid of the current run (for `--prefix pid`). */
  pid: number | undefined;

  constructor(
    private readonly name: string,
    private readonly index: number,
    private readonly options: PrefixOptions,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.colour = { 1: colourEnabled(1, env), 2: colourEnabled(2, env) };
  }

  /** One line (without its terminator) to `fd` (1 = stdout, 2 = stderr). */
  write(fd: 1 | 2, line: string): void {
    writeFd(fd, `${this.prefix(fd)}${line}\n`);
  }

  prefix(fd: 1 | 2): string {
    const time = this.options.timestamp ? `${clock(new Date())} ` : "";
    const label = this.label();
    if (label === "") return time;
    const text = `[${label}]`.padEnd(this.options.width + 2);
    return `${time}${this.colour[fd] ? paint(text, this.index) : text} `;
  }

  private label(): string {
    switch (this.options.kind) {
      case "name":
        return this.name;
      case "index":
        return String(this.index);
      case "pid":
        return this.pid === undefined ? "-" : String(this.pid);
      case "time":
        return clock(new Date());
      case "none":
        return "";
    }
  }
}

/** HH:MM:SS.mmm, local time. */
export function clock(at: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}.${String(at.getMilliseconds()).padStart(3, "0")}`;
}
