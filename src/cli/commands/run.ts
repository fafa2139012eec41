/**
 * `processkit run`: one contained run. The child's status passes through (coreutils `timeout`
 * conventions); when it ends — exit, timeout, a stop signal to us — nothing it started
 * survives.
 *
 * stdio: the child inherits our stdin, stdout and stderr, so it can be interactive (read the
 * terminal, see a TTY). Two exceptions: `--json` captures stdout and stderr into the JSON
 * document (our stdout then carries only that document), and `--idle-timeout` pipes them so
 * that activity can be seen, relaying each line as it arrives.
 *
 * Every run gets its own `ProcessGroup` (a cgroup under cgroup v2): the group is what a stop
 * signal reaches and what is torn down at the end, and it is also where `--max-memory`,
 * `--max-processes` and `--cpu-quota` apply.
 */

import { parseSize } from "../../command/size.js";
import type { Command } from "../../index.js";
import { type GroupLimits, ProcessGroup, type ProcessResult, type RunningProcess } from "../../index.js";
import {
  durationFlag,
  type FlagSpecs,
  integerFlag,
  numberFlag,
  type ParsedArgs,
  UsageError,
} from "../args.js";
import { applyEnvFlags, commandOf, ENV_FLAGS, ENV_FLAGS_HELP } from "../command-flags.js";
import { type Exit, statusOfOutcome } from "../exit-codes.js";
import { describeFailure, failureJson, statusOfError } from "../failure.js";
import { formatDuration, note, roundMs, writeErr, writeJson, writeOut } from "../output.js";
import { inbox, type StopSignal } from "../signals.js";
import { defineSubcommand, type SubcommandContext } from "../subcommand.js";
import { inTerminalForeground, stdinIsTerminal } from "../terminal.js";

/** Most bytes of each stream kept in a `--json` document (the tail is kept). */
const JSON_CAPTURE_BYTES = 16 * 1024 * 1024;
/** With `--idle-timeout` the lines are relayed; only a small tail is kept. */
const RELAY_CAPTURE_BYTES = 64 * 1024;

const FLAGS: FlagSpecs = {
  timeout: { type: "string", check: durationFlag },
  grace: { type: "string", check: durationFlag },
  "idle-timeout": { type: "string", check: durationFlag },
  ...ENV_FLAGS,
  "max-memory": { type: "string", check: (value) => limitsOf(value, undefined, undefined) },
  "max-processes": { type: "string", check: (value, flag) => integerFlag(value, flag, 1) },
  "cpu-quota": { type: "string", check: (value, flag) => numberFlag(value, flag, 0) },
  json: { type: "boolean" },
};

export const RUN_HELP = `Usage: processkit run [OPTIONS] [--] PROGRAM [ARGS...]

Runs PROGRAM in its own container and exits with its status. When the run ends — it exits,
times out, or processkit gets SIGINT/SIGTERM/SIGHUP — the whole process tree it started is
torn down. PROGRAM inherits stdin, stdout and stderr (interactive programs work).

Options:
  --timeout D          stop the tree after D (SIGTERM, then SIGKILL after --grace); exit 124
  --grace D            how long SIGTERM (or a forwarded signal) may take before SIGKILL
                       (default 2s; 0 = SIGKILL at once)
  --idle-timeout D     stop the tree when it printed nothing for D; exit 124 (stdout and
                       stderr are then relayed line by line)
${ENV_FLAGS_HELP}
  --max-memory SIZE    memory limit for the whole tree (512M, 2G)          [cgroup v2]
  --max-processes N    most processes alive at once in the tree            [cgroup v2]
  --cpu-quota F        CPU bandwidth in cores (0.5 = half a core)          [cgroup v2]
                       A limit the host cannot enforce is an error (exit 125), never ignored.
  --json               print one JSON document describing the outcome on stdout; the
                       child's stdout and stderr are captured into it (last 16 MiB each)
  -h, --help           show this help

Durations: 250ms, 1.5s, 2m, 1h, or a bare number of seconds.

Exit status: the child's own; 128+N if it was killed by signal N; 124 timed out;
125 processkit failed (bad option, limit not enforceable); 126 not executable; 127 not found.

Signals: the first SIGINT/SIGTERM/SIGHUP is forwarded to the whole tree, which gets --grace
before SIGKILL; a second one kills at once. At a terminal, Ctrl-C belongs to the child (it
receives it once, as in a shell); the tree is torn down when the child exits.

Examples:
  processkit run --timeout 5m -- make test
  processkit run --timeout 1s -- sh -c 'sleep 300 & sleep 300; wait'    # exit 124, no survivors
  processkit run --idle-timeout 30s -- ./flaky-download.sh
  processkit run --env-clear --inherit-env PATH --env MODE=ci -- node build.js
  processkit run --json -- git status --short | jq .exit
`;

export const runCommand = defineSubcommand({
  name: "run",
  help: RUN_HELP,
  flags: FLAGS,
  rest: "program",
  run: runOne,
});

async function runOne(parsed: ParsedArgs, context: SubcommandContext): Promise<Exit> {
  const json = parsed.flag("json");
  const graceMs = context.graceMs(parsed);
  let cmd = applyEnvFlags(commandOf(parsed.rest), parsed).timeoutGrace(graceMs);
  const timeout = parsed.string("timeout");
  if (timeout !== undefined) cmd = cmd.timeout(durationFlag(timeout, "timeout"));
  const idle = parsed.string("idle-timeout");
  if (idle !== undefined) cmd = cmd.inactivityTimeout(durationFlag(idle, "idle-timeout"));
  cmd = withStdio(cmd.stdin("inherit"), { json, relay: idle !== undefined });
  const limits = limitsOf(
    parsed.string("max-memory"),
    parsed.string("max-processes"),
    parsed.string("cpu-quota"),
  );

  const described = { program: cmd.program, args: cmd.argv };
  const fail = (error: unknown, mechanism?: string): Exit => {
    const code = statusOfError(error);
    note("run", describeFailure(error));
    if (json)
      writeJson({
        command: described,
        ...(mechanism ? { mechanism } : {}),
        exit: code,
        error: failureJson(error),
      });
    return { code };
  };

  // A stop signal before the spawn: spawn nothing.
  const early = context.firstStop;
  if (early !== undefined) return interruptedBeforeStart(context, early, json, described);

  let group: ProcessGroup;
  try {
    group = await ProcessGroup.create(limits === undefined ? {} : { limits });
  } catch (error) {
    return fail(error);
  }
  let proc: RunningProcess;
  try {
    if (inbox.first !== undefined) throw new Interrupted(inbox.first);
    proc = await group.start(cmd);
  } catch (error) {
    await group.close();
    if (error instanceof Interrupted) return interruptedBeforeStart(context, error.signal, json, described);
    return fail(error, group.mechanism);
  }

  // One stop per run, through the library's stop driver: the first signal gives the whole
  // tree --grace, a second (or a grace of 0) kills at once.
  let stopping: Promise<unknown> | undefined;
  const stopGracefully = (signal: StopSignal) => {
    stopping ??= (graceMs > 0 ? group.shutdown({ signal, grace: graceMs }) : group.kill()).catch(() => {}); // the group was closed meanwhile: nothing left to stop
  };
  const stopNow = () => {
    const killing = group.kill().catch(() => {});
    stopping ??= killing;
  };
  const forwardWinch = () => void group.signal("SIGWINCH").catch(() => {});
  const detached = group.mechanism === "process-group" && stdinIsTerminal();
  if (detached) process.on("SIGWINCH", forwardWinch);
  let live = false;
  context.routeStops(
    { graceful: stopGracefully, immediate: stopNow },
    {
      intercept: (signal) => interactiveInterrupt(signal, live, group),
      describe: (signal, phase) =>
        phase === "graceful"
          ? `${signal}: stopping ${cmd.program} and its tree${graceMs > 0 ? ` ${context.graceNote(graceMs)}` : ""}`
          : `${signal}: killing ${cmd.program} and its tree now`,
    },
  );
  live = true;

  let result: ProcessResult<string>;
  try {
    result = await proc.output();
  } catch (error) {
    await stopping;
    await group.close();
    return fail(error, group.mechanism);
  } finally {
    if (detached) process.removeListener("SIGWINCH", forwardWinch);
  }
  await stopping;
  const stats = json ? await group.stats().catch(() => undefined) : undefined;
  await group.close();

  if (result.timedOut && stopping === undefined) {
    const what =
      result.outcome.kind === "inactivity-timed-out" ? "produced no output for" : "timed out after";
    note(
      "run",
      `${cmd.program} ${what} ${formatDuration(result.timeoutMs ?? 0)}; the whole tree was stopped`,
    );
  }
  const code = statusOfOutcome(result.outcome);
  // We were told to stop with S and the child died of S: die of S too, so a calling shell
  // (or script) sees the interrupt exactly as it would have without us in between.
  const raise =
    result.outcome.kind === "signalled" &&
    (inbox.received as readonly string[]).includes(result.outcome.signal)
      ? result.outcome.signal
      : undefined;
  if (json) {
    writeJson({
      command: described,
      mechanism: group.mechanism,
      pid: proc.pid ?? null,
      exit: code,
      outcome: result.outcome,
      exitCode: result.exitCode,
      signal: result.signal,
      timedOut: result.timedOut,
      durationMs: roundMs(result.durationMs),
      stdout: result.stdout,
      stderr: result.stderr,
      truncated: result.truncated,
      stats: {
        cpuTimeMs: stats?.cpuTimeMs === undefined ? null : roundMs(stats.cpuTimeMs),
        peakMemoryBytes: stats?.peakMemoryBytes ?? null,
      },
      interruptedBy: inbox.first ?? null,
    });
  }
  return raise === undefined ? { code } : { code, raise };
}

/**
 * Ctrl-C at a terminal belongs to the child, as in a shell. Under cgroup v2 the child shares
 * our process group, so the kernel already delivered it: forwarding it again would deliver
 * it twice. Under process groups the child is in a session of its own: forward it, once.
 * Either way nothing more — the child decides (a REPL keeps running); the tree is torn down
 * when it exits. Only signals received after the child started are treated this way.
 */
function interactiveInterrupt(signal: StopSignal, live: boolean, group: ProcessGroup): boolean {
  if (signal !== "SIGINT" || !live || !inTerminalForeground()) return false;
  if (group.mechanism === "process-group") void group.signal("SIGINT").catch(() => {});
  return true;
}

class Interrupted extends Error {
  constructor(readonly signal: StopSignal) {
    super(signal);
  }
}

function interruptedBeforeStart(
  context: SubcommandContext,
  signal: StopSignal,
  json: boolean,
  command: { program: string; args: string[] },
): Exit {
  const exit = context.nothingStarted(signal, command.program);
  if (json) writeJson({ command, exit: exit.code, outcome: null, interruptedBy: signal });
  return exit;
}

function withStdio(cmd: Command, mode: { json: boolean; relay: boolean }): Command {
  if (mode.json) {
    return cmd
      .stdout("pipe")
      .stderr("pipe")
      .outputLimit({ maxBytes: JSON_CAPTURE_BYTES, onOverflow: "drop-oldest" });
  }
  if (mode.relay) {
    return cmd
      .stdout("pipe")
      .stderr("pipe")
      .outputLimit({ maxBytes: RELAY_CAPTURE_BYTES, onOverflow: "drop-oldest" })
      .onStdoutLine((line) => writeOut(`${line}\n`))
      .onStderrLine((line) => writeErr(`${line}\n`));
  }
  return cmd.stdout("inherit").stderr("inherit");
}

function limitsOf(
  memory: string | undefined,
  processes: string | undefined,
  quota: string | undefined,
): GroupLimits | undefined {
  const limits: { memoryMax?: number; maxProcesses?: number; cpuQuota?: number } = {};
  if (memory !== undefined) {
    try {
      limits.memoryMax = parseSize(memory, "--max-memory");
    } catch {
      throw new UsageError(
        `--max-memory: invalid size ${JSON.stringify(memory)} (use bytes or 512K, 64M, 1G)`,
      );
    }
  }
  if (processes !== undefined) limits.maxProcesses = integerFlag(processes, "max-processes", 1);
  if (quota !== undefined) limits.cpuQuota = numberFlag(quota, "cpu-quota", 0);
  return Object.keys(limits).length === 0 ? undefined : limits;
}
