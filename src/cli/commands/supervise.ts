/**
 * `processkit supervise`: the library's `Supervisor` on the command line. One status line per
 * restart on stderr, a summary at the end, and optionally every event as a JSON line
 * (`--events FILE`, `-` for stdout). Each incarnation runs in its own container, so a crashed
 * run's leftovers (a worker still holding the port) die with it before the restart.
 */
import { closeSync, openSync } from "node:fs";
import {
  CancelledError,
  RestartPolicy,
  type SessionOutcome,
  type SupervisionSession,
  Supervisor,
  type SupervisorEvent,
  type SupervisorOptions,
} from "../../index.js";
import type { LaggedEvent } from "../../supervisor/events.js";
import {
  choiceFlag,
  durationFlag,
  type FlagSpecs,
  integerFlag,
  numberFlag,
  type ParsedArgs,
  UsageError,
} from "../args.js";
import { applyEnvFlags, commandOf, ENV_FLAGS, ENV_FLAGS_HELP } from "../command-flags.js";
import { type Exit, statusOfOutcome } from "../exit-codes.js";
import { describeFailure, statusOfError } from "../failure.js";
import { describeOutcome } from "../outcome-text.js";
import { formatDuration, note, roundMs, writeErr, writeFd } from "../output.js";
import { defineSubcommand, type SubcommandContext } from "../subcommand.js";
import {
  ChangeFeed,
  WATCH_FLAGS,
  WATCH_FLAGS_HELP,
  watchOptions,
  withHealthCheck,
} from "../supervise-watch.js";

const FLAGS: FlagSpecs = {
  restart: { type: "string", check: (value, flag) => choiceFlag(value, flag, Object.values(RestartPolicy)) },
  "max-restarts": { type: "string", check: (value, flag) => integerFlag(value, flag, 0) },
  backoff: { type: "string", check: durationFlag },
  factor: { type: "string", check: (value, flag) => numberFlag(value, flag) },
  "max-backoff": { type: "string", check: durationFlag },
  "no-jitter": { type: "boolean" },
  "storm-pause": { type: "string", check: durationFlag },
  events: { type: "string" },
  grace: { type: "string", check: durationFlag },
  ...WATCH_FLAGS,
  ...ENV_FLAGS,
};

export const SUPERVISE_HELP = `Usage: processkit supervise [OPTIONS] [--] PROGRAM [ARGS...]

Keeps PROGRAM running: when it ends, it is restarted (after a backoff delay) according to
--restart, until --max-restarts is spent. Every run is contained: what a crashed run started
is killed before the next one begins. One status line per restart goes to stderr, a summary
at the end.

Options:
  --restart POLICY     on-crash (default: restart unless it exited 0), always, never
  --max-restarts N     give up after N restarts (default: unlimited; 0 = a single run)
  --backoff D          delay before the first restart (default 200ms)
  --factor F           growth of the delay per restart (default 2)
  --max-backoff D      cap of the delay (default 30s); a run that stayed up this long
                       resets the delay
  --no-jitter          use the exact delays (default: each delay × a random 0.5–1.5)
  --storm-pause D      crash-loop guard: after repeated quick failures, pause D once
                       instead of hammering
  --events FILE        write every event as one JSON line to FILE (created or truncated;
                       "-" = stdout, and the child's stdout then goes to stderr)
  --grace D            on SIGINT/SIGTERM/SIGHUP: SIGTERM the run, SIGKILL after D (default 2s)
${WATCH_FLAGS_HELP}
${ENV_FLAGS_HELP}
  -h, --help           show this help

Durations: 250ms, 1.5s, 2m, 1h, or a bare number of seconds.

With --watch, a run that ends is not the end: processkit waits for the next change (only a
stop signal ends it).

Exit status: the last run's status (128+N if it was killed by signal N, 124 if it timed
out); 125/126/127 if it could not be started; 128+N after a stop signal N.

Examples:
  processkit supervise --max-restarts 5 -- node server.js
  processkit supervise --restart always --backoff 1s --max-backoff 1m -- ./worker
  processkit supervise --storm-pause 5m --events events.jsonl -- ./flaky-daemon
  processkit supervise --watch src --ignore '*.test.js' -- node src/server.js
  processkit supervise --health-http http://localhost:3000/health -- node server.js
`;

export const superviseCommand = defineSubcommand({
  name: "supervise",
  help: SUPERVISE_HELP,
  flags: FLAGS,
  rest: "program",
  run: supervise,
});

async function supervise(parsed: ParsedArgs, context: SubcommandContext): Promise<Exit> {
  const options = supervisorOptions(parsed);
  const graceMs = context.graceMs(parsed);
  const eventsTarget = parsed.string("events");
  if (eventsTarget === "") throw new UsageError("--events: expected a file name (or - for stdout)");
  let cmd = applyEnvFlags(commandOf(parsed.rest), parsed).stderr("inherit");
  // With events on stdout, stdout must carry only events: the child's stdout goes to stderr.
  cmd =
    eventsTarget === "-"
      ? cmd.stdout("pipe").onStdoutLine((line) => writeErr(`${line}\n`))
      : cmd.stdout("inherit");
  const supervisor = withHealthCheck(new Supervisor(cmd, options), parsed);
  const program = cmd.program;
  const watchSpec = watchOptions(parsed);

  const early = context.firstStop;
  if (early !== undefined) return context.nothingStarted(early, program);

  let eventsFd: number | undefined;
  if (eventsTarget !== undefined) {
    try {
      eventsFd = eventsTarget === "-" ? 1 : openSync(eventsTarget, "w");
    } catch (error) {
      note("supervise", `--events: cannot open ${eventsTarget}: ${(error as Error).message}`);
      return { code: 125 };
    }
  }
  const writeEvent = (event: SupervisorEvent | LaggedEvent) => {
    if (eventsFd === undefined) return;
    const line = `${JSON.stringify(eventJson(event))}\n`;
    writeFd(eventsFd, line);
  };
  const closeEvents = () => {
    if (eventsFd !== undefined && eventsFd !== 1) closeSync(eventsFd);
  };

  const cancel = new AbortController();
  const changes = new ChangeFeed(watchSpec, program);
  let session: SupervisionSession | undefined;
  context.routeStops(
    {
      graceful: () => {
        changes.end();
        void session?.stop({ grace: graceMs }).catch(() => {});
      },
      immediate: () => {
        changes.end();
        cancel.abort(new Error("killed by a second stop signal"));
      },
    },
    {
      describe: (signal, phase) =>
        phase === "graceful"
          ? `${signal}: stopping ${program} ${context.graceNote(graceMs, "SIGTERM")}`
          : `${signal}: killing ${program} now`,
    },
  );

  const status = new StatusLines(program, options.maxRestarts);
  let outcome: SessionOutcome;
  try {
    // One session per generation; with --watch a change ends the generation. The next one
    // starts only after stop() resolved — once nothing of the old tree is left — so there is
    // never more than one live tree.
    for (;;) {
      session = supervisor.start({ cancelSignal: cancel.signal });
      const current = session;
      const events = (async () => {
        for await (const event of current.events()) {
          writeEvent(event);
          status.observe(event);
        }
      })();
      const ended = current.done.then(
        () => "ended" as const,
        () => "ended" as const,
      );
      let next = await Promise.race([ended, changes.next()]);
      if (next === "change") await current.stop({ grace: graceMs }).catch(() => {});
      await events;
      if (next === "ended" && !changes.finished && context.firstStop === undefined) {
        note("supervise", `${program} ended; waiting for a change to start it again`);
        next = await changes.next();
      }
      if (next !== "change" || context.firstStop !== undefined) {
        outcome = await current.done;
        break;
      }
    }
  } catch (error) {
    changes.close();
    closeEvents();
    const signal = context.firstStop;
    if (error instanceof CancelledError && signal !== undefined) {
      note("supervise", `${program}: killed after ${status.summaryCounts()}`);
      return context.interrupted(signal);
    }
    note("supervise", `${describeFailure(error)} (${status.summaryCounts()})`);
    return { code: statusOfError(error) };
  }
  changes.close();
  closeEvents();

  const last = outcome.finalResult;
  note(
    "supervise",
    `${program}: ${outcome.restarts + 1} run${outcome.restarts === 0 ? "" : "s"}, ${outcome.restarts} restart${outcome.restarts === 1 ? "" : "s"}` +
      `${outcome.stormPauses > 0 ? `, ${outcome.stormPauses} storm pause${outcome.stormPauses === 1 ? "" : "s"}` : ""}` +
      `; ended: ${outcome.stopped}${last === undefined ? "" : `; last run ${describeOutcome(last.outcome)} after ${formatDuration(last.durationMs)}`}`,
  );
  const signal = context.firstStop;
  if (outcome.stopped === "stopped" && signal !== undefined) return context.interrupted(signal);
  return { code: last === undefined ? 125 : statusOfOutcome(last.outcome) };
}

function supervisorOptions(parsed: ParsedArgs): SupervisorOptions {
  const options: SupervisorOptions = {};
  const restart = parsed.string("restart");
  if (restart !== undefined) options.restart = choiceFlag(restart, "restart", Object.values(RestartPolicy));
  const max = parsed.string("max-restarts");
  if (max !== undefined) options.maxRestarts = integerFlag(max, "max-restarts", 0);
  const backoff = parsed.string("backoff");
  if (backoff !== undefined) options.backoff = durationFlag(backoff, "backoff");
  const factor = parsed.string("factor");
  if (factor !== undefined) options.factor = numberFlag(factor, "factor");
  const maxBackoff = parsed.string("max-backoff");
  if (maxBackoff !== undefined) options.maxBackoff = durationFlag(maxBackoff, "max-backoff");
  if (parsed.flag("no-jitter")) options.jitter = false;
  const storm = parsed.string("storm-pause");
  if (storm !== undefined) options.stormPause = durationFlag(storm, "storm-pause");
  return options;
}

/** The human side: one line per restart, built from the exit that caused it. */
class StatusLines {
  private lastEnd = "";
  private runs = 0;
  private restarts = 0;

  constructor(
    private readonly program: string,
    private readonly maxRestarts: number | undefined,
  ) {}

  observe(event: SupervisorEvent | LaggedEvent): void {
    switch (event.type) {
      case "incarnation-started":
        this.runs = event.incarnation;
        break;
      case "incarnation-exited":
        this.lastEnd = `${describeOutcome(event.result.outcome)} after ${formatDuration(event.uptimeMs)}`;
        break;
      case "incarnation-failed":
        this.runs = event.incarnation;
        this.lastEnd = `failed to start (${event.message})`;
        break;
      case "health-check-failed":
        if (event.killing) {
          note(
            "supervise",
            `${this.program}: health check failed ${event.consecutive}/${event.failures} times in a row: killing its tree`,
          );
        }
        break;
      case "storm-pause":
        note(
          "supervise",
          `${this.program}: crash loop (failure score ${event.score.toFixed(1)}): pausing ${formatDuration(event.pauseMs)}`,
        );
        break;
      case "restart-scheduled": {
        this.restarts = event.restart;
        const budget = this.maxRestarts === undefined ? "" : `/${this.maxRestarts}`;
        note(
          "supervise",
          `${this.program} ${this.lastEnd}; restart ${event.restart}${budget} in ${formatDuration(event.delayMs)}`,
        );
        break;
      }
      default:
        break;
    }
  }

  summaryCounts(): string {
    return `${this.runs} run${this.runs === 1 ? "" : "s"}, ${this.restarts} restart${this.restarts === 1 ? "" : "s"}`;
  }
}

/** An event as one JSON object: numbers and names only — never env values, no captured output. */
export function eventJson(event: SupervisorEvent | LaggedEvent): Record<string, unknown> {
  switch (event.type) {
    case "incarnation-exited": {
      const r = event.result;
      return {
        type: event.type,
        at: event.at,
        incarnation: event.incarnation,
        outcome: r.outcome,
        exitCode: r.exitCode,
        signal: r.signal,
        timedOut: r.timedOut,
        uptimeMs: roundMs(event.uptimeMs),
        crashed: event.crashed,
        healthKilled: event.healthKilled,
      };
    }
    case "incarnation-failed":
      return {
        type: event.type,
        at: event.at,
        incarnation: event.incarnation,
        reason: event.reason,
        message: event.message,
      };
    case "errored":
      return { type: event.type, at: event.at, reason: event.reason, message: event.message };
    case "restart-scheduled":
      return { ...event, delayMs: roundMs(event.delayMs) };
    case "storm-pause":
      return { ...event, pauseMs: roundMs(event.pauseMs) };
    default:
      return { ...event };
  }
}
