/**
 * `processkit all`: several commands at once, each in its own container (a `ProcessGroup`), the
 * job of concurrently / npm-run-all / foreman — without leaving anything behind. Every line of
 * their output is relayed whole, prefixed (line-prefix.ts); the ending policy (`--kill-others`,
 * `--kill-others-on-fail`, `--success`) decides when the rest stop and what the exit status is.
 */

import { resolve } from "node:path";
import { Command, ProcessGroup } from "../../index.js";
import { type AllEntry, allEntries } from "../all-entries.js";
import { AllRun, type Member, type MemberReport } from "../all-run.js";
import {
  choiceFlag,
  durationFlag,
  type FlagSpecs,
  integerFlag,
  type ParsedArgs,
  UsageError,
} from "../args.js";
import { applyEnvFlags, ENV_FLAGS, ENV_FLAGS_HELP } from "../command-flags.js";
import { readEnvFile } from "../env-file.js";
import type { Exit } from "../exit-codes.js";
import { describeFailure, failureJson } from "../failure.js";
import { LineRelay, PREFIX_KINDS, type PrefixKind } from "../line-prefix.js";
import { describeOutcome } from "../outcome-text.js";
import { formatDuration, note, roundMs, writeJson } from "../output.js";
import { defineSubcommand, type SubcommandContext } from "../subcommand.js";
import { inTerminalForeground } from "../terminal.js";

/** With the lines relayed as they come, only a small tail of each stream is kept. */
const RELAY_CAPTURE_BYTES = 64 * 1024;

const FLAGS: FlagSpecs = {
  names: { type: "string" },
  prefix: { type: "string" },
  raw: { type: "boolean" },
  timestamp: { type: "boolean" },
  "kill-others": { type: "boolean" },
  "kill-others-on-fail": { type: "boolean" },
  success: { type: "string" },
  "restart-tries": { type: "string" },
  "restart-after": { type: "string" },
  grace: { type: "string" },
  input: { type: "string" },
  procfile: { type: "string" },
  dotenv: { type: "string", multiple: true },
  json: { type: "boolean" },
  ...ENV_FLAGS,
};

export const ALL_HELP = `Usage: processkit all [OPTIONS] [--] COMMAND...
       processkit all [OPTIONS] [--] PROGRAM [ARGS...] ::: PROGRAM [ARGS...] ...
       processkit all [OPTIONS] --procfile FILE

Runs several commands at once, each in its own container, and relays their output line by
line with a prefix. Each COMMAND argument is one command, split like a shell but run WITHOUT
one (write sh -c '...' for pipes and variables); with ":::" the words between separators are
one command each. "npm:NAME" runs a package.json script (npm run NAME); "npm:watch-*" runs
every script that matches. When processkit ends — or is killed — nothing they started is left.

Naming and output:
  --names A,B,...      a name per command (default: the script or Procfile name, else 0, 1, ...)
  --prefix KIND        name (default), index, pid, time or none
  --raw                no prefixes at all (lines are still relayed whole)
  --timestamp          the time of day (HH:MM:SS.mmm) in front of every line
  --input NAME         our stdin goes to command NAME (default: no command reads stdin)
  --json               print one JSON document describing every command on stdout at the
                       end (the commands' stdout lines then go to stderr)
  Colour: a stable colour per command on a terminal; NO_COLOR=1 turns it off, FORCE_COLOR=1
  turns it on for pipes. stdout lines go to stdout, stderr lines to stderr.

Ending:
  --kill-others        when any command ends, stop the others
  --kill-others-on-fail  when a command fails, stop the others
  --success WHICH      all (default): 0 when no command failed on its own (commands that
                       processkit stopped do not count), else the first failure's status;
                       first / last: the status of the first / last command to end on its
                       own; NAME: that command's status
  --restart-tries N    restart a failing command up to N times (default 0)
  --restart-after D    wait D before each restart (default 0)
  --grace D            how long SIGTERM may take before SIGKILL when stopping (default 2s)

Files:
  --procfile FILE      run the entries of a Procfile ("name: command" lines, # comments)
  --dotenv FILE        load NAME=VALUE lines (a .env file) into every command's environment
                       (repeatable; --env still wins). Not called --env-file: Node 20 claims
                       that flag anywhere on its command line and fails before we start.
${ENV_FLAGS_HELP}
  -h, --help           show this help

Signals: the first SIGINT/SIGTERM/SIGHUP (Ctrl-C) stops every tree (the signal, then SIGKILL
after --grace); a second one kills at once. A summary line per command ends the run (stderr).

Exit status: see --success; 125 for bad options, an unknown npm: script, a bad Procfile or
--dotenv; 128+N after a stop signal N.

Examples:
  processkit all --names api,web "npm run api" "npm run web"
  processkit all npm:watch-*
  processkit all --kill-others --success first -- node server.js ::: npm test
  processkit all --procfile Procfile --dotenv .env
`;

export const allCommand = defineSubcommand({
  name: "all",
  help: ALL_HELP,
  flags: FLAGS,
  rest: "program",
  run: runAll,
});

async function runAll(parsed: ParsedArgs, context: SubcommandContext): Promise<Exit> {
  const graceMs = context.graceMs(parsed);
  const dir = resolve(parsed.string("cwd") ?? ".");
  const entries = allEntries(parsed, dir);
  const names = entries.map((e) => e.name);
  const success = successOf(parsed.string("success"), names);
  const input = parsed.string("input");
  if (input !== undefined && !names.includes(input)) {
    throw new UsageError(
      `--input: no command named ${JSON.stringify(input)} (commands: ${names.join(", ")})`,
    );
  }
  const triesText = parsed.string("restart-tries");
  const restartTries = triesText === undefined ? 0 : integerFlag(triesText, "restart-tries", 0);
  const afterText = parsed.string("restart-after");
  const restartAfterMs = afterText === undefined ? 0 : durationFlag(afterText, "restart-after");
  const kind: PrefixKind = parsed.flag("raw")
    ? "none"
    : choiceFlag(parsed.string("prefix") ?? "name", "prefix", PREFIX_KINDS);
  const json = parsed.flag("json");
  const killOthers = parsed.flag("kill-others");
  const killOthersOnFail = parsed.flag("kill-others-on-fail");
  const fileEnv: Record<string, string> = {};
  for (const file of parsed.strings("dotenv")) Object.assign(fileEnv, readEnvFile(file));
  const width = kind === "name" ? Math.max(...names.map((n) => n.length)) : 0;
  const prefix = { kind, timestamp: parsed.flag("timestamp"), width };
  const relays = entries.map((entry, i) => new LineRelay(entry.name, i, prefix));
  const commands = entries.map((entry, i) =>
    commandFor(entry, parsed, fileEnv, relays[i] as LineRelay, { json, input: input === entry.name }),
  );

  const early = context.firstStop;
  if (early !== undefined) return context.nothingStarted(early, "anything");

  const groups: ProcessGroup[] = [];
  try {
    for (let i = 0; i < entries.length; i++) groups.push(await ProcessGroup.create());
  } catch (error) {
    await Promise.all(groups.map((g) => g.close()));
    throw error;
  }
  const members: Member[] = entries.map((entry, i) => ({
    name: entry.name,
    index: i,
    command: commands[i] as Command,
    group: groups[i] as ProcessGroup,
    onStart: (pid) => {
      (relays[i] as LineRelay).pid = pid;
    },
  }));
  const ownEnds: MemberReport[] = [];
  let trigger: MemberReport | undefined;
  const run: AllRun = new AllRun(members, {
    restartTries,
    restartAfterMs,
    onRestart: (member, why, restart, delayMs) =>
      note(
        "all",
        `[${member.name}] ${why}; restart ${restart}/${restartTries}${delayMs > 0 ? ` in ${formatDuration(delayMs)}` : ""}`,
      ),
    onEnd: (report) => {
      if (report.ownEnd) ownEnds.push(report);
      if (run.stopping || !report.ownEnd) return;
      const failed = report.status === "failed";
      if (killOthers || (killOthersOnFail && failed)) {
        trigger = report;
        const flag = killOthers ? "--kill-others" : "--kill-others-on-fail";
        note("all", `${flag}: [${report.member.name}] ${endWords(report)}; stopping the others`);
        run.stop("SIGTERM", graceMs);
      }
    },
  });
  context.routeStops(
    {
      // At a terminal, a SIGINT is the terminal's Ctrl-C: the kernel gave it to our whole foreground group.
      graceful: (signal) => run.stop(signal, graceMs, signal === "SIGINT" && inTerminalForeground()),
      immediate: () => run.kill(),
    },
    {
      describe: (signal, phase) =>
        phase === "graceful"
          ? `${signal}: stopping ${entries.length} command${entries.length === 1 ? "" : "s"} ${context.graceNote(graceMs, signal)}`
          : `${signal}: killing everything now`,
    },
  );

  let reports: MemberReport[];
  try {
    reports = await run.run();
  } finally {
    await Promise.all(groups.map((g) => g.close().catch(() => {})));
  }
  for (const report of reports) note("all", `[${report.member.name}] ${summaryWords(report)}`);

  const signal = context.firstStop;
  const code =
    signal !== undefined ? context.interrupted(signal).code : exitStatus(success, reports, ownEnds, trigger);
  if (json) writeJson(document(reports, code, signal, groups[0]?.mechanism));
  return signal !== undefined ? context.interrupted(signal) : { code };
}

type Success = { kind: "all" | "first" | "last" } | { kind: "name"; name: string };

function successOf(text: string | undefined, names: readonly string[]): Success {
  if (text === undefined || text === "all" || text === "first" || text === "last")
    return { kind: text ?? "all" };
  if (names.includes(text)) return { kind: "name", name: text };
  throw new UsageError(
    `--success: expected all, first, last or a command name; no command is named ${JSON.stringify(text)} (commands: ${names.join(", ")})`,
  );
}

function exitStatus(
  success: Success,
  reports: readonly MemberReport[],
  ownEnds: readonly MemberReport[],
  trigger: MemberReport | undefined,
): number {
  switch (success.kind) {
    case "all": {
      const failure = trigger?.status === "failed" ? trigger : ownEnds.find((r) => r.status === "failed");
      return failure?.exit ?? 0;
    }
    case "first":
      return ownEnds[0]?.exit ?? 0;
    case "last":
      return ownEnds[ownEnds.length - 1]?.exit ?? 0;
    case "name":
      return reports.find((r) => r.member.name === success.name)?.exit ?? 0;
  }
}

function commandFor(
  entry: AllEntry,
  parsed: ParsedArgs,
  fileEnv: Readonly<Record<string, string>>,
  relay: LineRelay,
  mode: { json: boolean; input: boolean },
): Command {
  const [program, ...args] = entry.words as [string, ...string[]];
  let cmd = new Command(program, args);
  if (Object.keys(fileEnv).length > 0) cmd = cmd.env(fileEnv);
  return applyEnvFlags(cmd, parsed)
    .stdin(mode.input ? "inherit" : "ignore")
    .stdout("pipe")
    .stderr("pipe")
    .outputLimit({ maxBytes: RELAY_CAPTURE_BYTES, onOverflow: "drop-oldest" })
    .onStdoutLine((line) => relay.write(mode.json ? 2 : 1, line))
    .onStderrLine((line) => relay.write(2, line));
}

function endWords(report: MemberReport): string {
  if (report.result !== undefined) return describeOutcome(report.result.outcome);
  if (report.error !== undefined) return `could not start: ${describeFailure(report.error)}`;
  return "was not started";
}

function summaryWords(report: MemberReport): string {
  const restarts =
    report.restarts === 0 ? "" : ` (${report.restarts} restart${report.restarts === 1 ? "" : "s"})`;
  const after = report.result === undefined ? "" : ` after ${formatDuration(report.result.durationMs)}`;
  const stopped = report.status === "stopped" ? ", stopped by processkit" : "";
  return `${endWords(report)}${after}${stopped}${restarts}`;
}

function document(
  reports: readonly MemberReport[],
  exit: number,
  interruptedBy: string | undefined,
  mechanism: string | undefined,
): Record<string, unknown> {
  return {
    exit,
    mechanism: mechanism ?? null,
    interruptedBy: interruptedBy ?? null,
    commands: reports.map((r) => ({
      name: r.member.name,
      index: r.member.index,
      program: r.member.command.program,
      args: r.member.command.argv,
      status: r.status,
      exit: r.exit ?? null,
      outcome: r.result?.outcome ?? null,
      restarts: r.restarts,
      durationMs: r.result === undefined ? null : roundMs(r.result.durationMs),
      ...(r.error === undefined || r.result !== undefined ? {} : { error: failureJson(r.error) }),
    })),
  };
}
