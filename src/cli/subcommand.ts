/**
 * The skeleton every subcommand shares, written once: parse the flags (`--help` answered
 * here), refuse to start anything when a stop signal already arrived, route the stop signals
 * (first → graceful, any further → at once) with one human note per phase, and unroute them at
 * every exit, however the subcommand ends. A subcommand supplies only what is its own.
 */
import { durationFlag, type FlagSpecs, type ParsedArgs, parseCommandLine, type RestMode } from "./args.js";
import { type Exit, signalStatus } from "./exit-codes.js";
import { formatDuration, note, writeOut } from "./output.js";
import { inbox, type StopPolicyOptions, type StopSignal, type StopTarget, stopPolicy } from "./signals.js";

/** Grace period after a stop signal or a timeout before SIGKILL (`--grace`). */
export const DEFAULT_GRACE_MS = 2_000;

export interface SubcommandSpec {
  readonly name: string;
  readonly help: string;
  readonly flags: FlagSpecs;
  readonly rest: RestMode;
  readonly run: (parsed: ParsedArgs, context: SubcommandContext) => Promise<Exit>;
}

export interface StopRouting {
  /** The human note for each phase ("SIGINT: stopping …"). */
  readonly describe: (signal: StopSignal, phase: "graceful" | "immediate") => string;
  readonly intercept?: StopPolicyOptions["intercept"];
  /** Where the note goes (default: one line on stderr; batch clears its progress line first). */
  readonly notify?: (message: string) => void;
}

export class SubcommandContext {
  constructor(private readonly name: string) {}

  /** `--grace D`, or the default. */
  graceMs(parsed: ParsedArgs): number {
    const grace = parsed.string("grace");
    return grace === undefined ? DEFAULT_GRACE_MS : durationFlag(grace, "grace");
  }

  /** The first stop signal received, if any (before anything was started: start nothing). */
  get firstStop(): StopSignal | undefined {
    return inbox.first;
  }

  /** Says that nothing was started because of `signal`, and exits as that signal would. */
  nothingStarted(signal: StopSignal, what: string): Exit {
    note(this.name, `${signal} before ${what} was started; nothing was run`);
    return this.interrupted(signal);
  }

  /** The exit for a run that a stop signal ended: 128+N, and the signal raised on ourselves. */
  interrupted(signal: StopSignal = inbox.first as StopSignal): Exit {
    return { code: signalStatus(signal), raise: signal };
  }

  /** From now on, stop signals go to `target` (first graceful, then at once), each phase noted. */
  routeStops(target: StopTarget, routing: StopRouting): void {
    const options: StopPolicyOptions = {
      onStop: (signal, phase) => {
        const message = routing.describe(signal, phase);
        if (routing.notify === undefined) note(this.name, message);
        else routing.notify(message);
      },
      ...(routing.intercept === undefined ? {} : { intercept: routing.intercept }),
    };
    inbox.route(stopPolicy(target, options));
  }

  /** "(SIGTERM, SIGKILL in 2s; send it again to kill at once)": the grace, as every note says it. */
  graceNote(graceMs: number, firstSignal?: string): string {
    const first = firstSignal === undefined ? "" : `${firstSignal}, `;
    return `(${first}SIGKILL in ${formatDuration(graceMs)}; send it again to kill at once)`;
  }
}

/** A subcommand's entry point, from its spec. */
export function defineSubcommand(spec: SubcommandSpec): (argv: readonly string[]) => Promise<Exit> {
  return async (argv) => {
    const parsed = parseCommandLine(argv, spec.flags, spec.rest);
    if (parsed.flag("help")) {
      writeOut(spec.help);
      return { code: 0 };
    }
    try {
      return await spec.run(parsed, new SubcommandContext(spec.name));
    } finally {
      inbox.unroute();
    }
  };
}
