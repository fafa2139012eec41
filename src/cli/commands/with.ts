/**
 * `processkit with`: start a service, wait until it is ready, run a command, tear the
 * service's whole tree down, exit with the command's status — the start-server-and-test job,
 * without orphans. Both run in their own containers.
 *
 * The service's stdout and stderr are relayed, line by line, to our stderr (our stdout is the
 * command's); `--ready-line` watches both streams. The command inherits our stdin, stdout and
 * stderr.
 */
import { type Command, JobRunner, NotReadyError, type RunningProcess } from "../../index.js";
import { durationFlag, type FlagSpecs, type ParsedArgs } from "../args.js";
import { applyEnvFlags, commandOf, ENV_FLAGS, ENV_FLAGS_HELP } from "../command-flags.js";
import { EXIT_TIMED_OUT, type Exit, statusOfOutcome } from "../exit-codes.js";
import { describeFailure, statusOfError } from "../failure.js";
import { LineRelay } from "../line-prefix.js";
import { note } from "../output.js";
import { READY_FLAGS } from "../readiness-flags.js";
import { defineSubcommand, type SubcommandContext } from "../subcommand.js";
import { SEPARATOR, type ServiceSpec, withPlan } from "../with-services.js";

/** Lines of service output kept (for the message when it dies before it is ready). */
const SERVICE_CAPTURE_LINES = 200;

const FLAGS: FlagSpecs = {
  ...READY_FLAGS,
  parallel: { type: "boolean" },
  grace: { type: "string", check: durationFlag },
  ...ENV_FLAGS,
};

export const WITH_HELP = `Usage: processkit with [OPTIONS] [--] SERVICE [ARGS...] ::: COMMAND [ARGS...]
       processkit with [OPTIONS] -- [SERVICE-OPTIONS] SERVICE [ARGS...]
                                ::: [SERVICE-OPTIONS] SERVICE [ARGS...] ... ::: COMMAND [ARGS...]

Starts SERVICE, waits until it is ready, runs COMMAND, then tears the service's whole
process tree down and exits with COMMAND's status. Nothing either of them started is
left behind — not even when processkit itself is killed.

Several services: every group before the last ":::" is a service, started in the given
order, each one ready before the next starts (--parallel: all at once); they are torn down
in reverse order after COMMAND. A service group may begin with its own options:
  --name NAME          its name in the output prefix (default: the program's base name)
  --ready-*            its own readiness (the flags below); --ready-timeout D its own limit
With several services the readiness flags go into the groups; a top-level --ready-timeout
is every service's default.

Readiness (all that are given must pass, within --ready-timeout):
  --ready-port [HOST:]PORT   a TCP connection succeeds (HOST defaults to localhost)
  --ready-line TEXT          the service prints a line containing TEXT (stdout or stderr)
  --ready-http URL           a GET answers 2xx (http:// or https://, certificate verified)
  --ready-self-signed        with an https:// --ready-http: accept a self-signed certificate
  --ready-path PATH          the file exists
  --ready-timeout D          give up after D (default 60s): exit 124
  Without any, COMMAND starts as soon as SERVICE was spawned.

Options:
  --parallel           start every service at once and wait for all of them to be ready
  --grace D            how long the service (and, after a stop signal, the command) may
                       take after SIGTERM before SIGKILL (default 2s)
${ENV_FLAGS_HELP}
                       (the environment options apply to both SERVICE and COMMAND)
  -h, --help           show this help

The services' output goes to stderr (each line prefixed with [NAME] when there are several);
COMMAND inherits stdin, stdout and stderr.

Exit status: COMMAND's own (128+N if killed by signal N); 124 if the service was not ready
in time; 125 if it exited before it was ready (or processkit failed); 126/127 if SERVICE
or COMMAND could not be started; 128+N after a stop signal N.

Examples:
  processkit with --ready-port 8080 -- node server.js ::: npm test
  processkit with --ready-http http://localhost:3000/health -- npm start ::: npx playwright test
  processkit with --ready-line 'database system is ready' -- postgres -D data ::: ./migrate.sh
  processkit with -- --ready-port 5432 postgres -D data ::: --ready-http http://localhost:3000/ npm start ::: npm test
`;

export const withCommand = defineSubcommand({
  name: "with",
  help: WITH_HELP,
  flags: FLAGS,
  rest: "program",
  run: runWith,
});

async function runWith(parsed: ParsedArgs, context: SubcommandContext): Promise<Exit> {
  const plan = withPlan(parsed);
  const graceMs = context.graceMs(parsed);
  const parallel = parsed.flag("parallel");
  const several = plan.services.length > 1;
  const width = Math.max(...plan.services.map((s) => s.name.length));
  const serviceCmds = plan.services.map((service, i) => {
    const relay = new LineRelay(service.name, i, {
      kind: several ? "name" : "none",
      timestamp: false,
      width,
    });
    const where = several ? `service ${i + 1}` : `the service before "${SEPARATOR}"`;
    return applyEnvFlags(commandOf(service.words, where), parsed)
      .stdout("pipe")
      .stderr("pipe")
      .outputLimit({ maxLines: SERVICE_CAPTURE_LINES, onOverflow: "drop-oldest" })
      .onStdoutLine((line) => relay.write(2, line))
      .onStderrLine((line) => relay.write(2, line));
  });
  const userCmd = applyEnvFlags(commandOf(plan.command, `the command after "${SEPARATOR}"`), parsed)
    .stdin("inherit")
    .stdout("inherit")
    .stderr("inherit");

  const early = context.firstStop;
  if (early !== undefined) return context.nothingStarted(early, (serviceCmds[0] as Command).program);

  const runner = new JobRunner();
  const running = new Set<RunningProcess>();
  let stopGraceMs: number | undefined;
  const stopAll = (ms: number) => {
    stopGraceMs = ms;
    for (const proc of running) void proc.shutdown({ grace: ms }).catch(() => {});
  };
  /** Resolves when the first stop signal arrives (ends the readiness wait at once). */
  let interrupted: () => void = () => {};
  const interruption = new Promise<"interrupted">((resolve) => {
    interrupted = () => resolve("interrupted");
  });
  const track = (proc: RunningProcess) => {
    running.add(proc);
    if (stopGraceMs !== undefined) void proc.shutdown({ grace: stopGraceMs }).catch(() => {});
  };
  context.routeStops(
    {
      graceful: () => {
        stopAll(graceMs);
        interrupted();
      },
      immediate: () => stopAll(0),
    },
    {
      describe: (signal, phase) =>
        phase === "graceful"
          ? `${signal}: stopping ${context.graceNote(graceMs, "SIGTERM")}`
          : `${signal}: killing everything now`,
    },
  );
  const interruptedExit = (): Exit => context.interrupted();

  // 1. The services (each ready before the next starts, or all at once with --parallel).
  const started: RunningProcess[] = [];
  const teardown = async (): Promise<void> => {
    for (const proc of [...started].reverse())
      await proc.shutdown({ grace: stopGraceMs ?? graceMs }).catch(() => {});
  };
  const label = (i: number) => (several ? `service ${(plan.services[i] as ServiceSpec).name}` : "service");
  // With --parallel, one service failing ends the others' readiness waits at once.
  let abandon: () => void = () => {};
  const abandoned = new Promise<"interrupted">((resolve) => {
    abandon = () => resolve("interrupted");
  });
  const stopWaiting = Promise.race([interruption, abandoned]);
  const bringUp = async (i: number): Promise<Exit | undefined> => {
    let proc: RunningProcess;
    try {
      proc = await runner.start(serviceCmds[i] as Command);
    } catch (error) {
      note("with", `${label(i)}: ${describeFailure(error)}`);
      return { code: statusOfError(error) };
    }
    started.push(proc);
    track(proc);
    return awaitReady(proc, plan.services[i] as ServiceSpec, stopWaiting, label(i));
  };
  let failure: Exit | undefined;
  if (parallel) {
    const exits = await Promise.all(
      plan.services.map(async (_, i) => {
        const exit = await bringUp(i);
        if (exit !== undefined) abandon();
        return exit;
      }),
    );
    failure = exits.find((e) => e !== undefined);
  } else {
    for (let i = 0; i < plan.services.length && failure === undefined && stopGraceMs === undefined; i++) {
      failure = await bringUp(i);
    }
  }
  if (failure !== undefined || stopGraceMs !== undefined) {
    await teardown();
    return stopGraceMs !== undefined ? interruptedExit() : (failure as Exit);
  }

  // 2. The command.
  let code: number;
  let commandProc: RunningProcess | undefined;
  try {
    commandProc = await runner.start(userCmd);
    track(commandProc);
    const result = await commandProc.output();
    code = statusOfOutcome(result.outcome);
  } catch (error) {
    note("with", describeFailure(error));
    code = statusOfError(error);
  }
  if (commandProc !== undefined) running.delete(commandProc);

  // 3. Tear the services down, the last started first.
  await teardown();
  if (stopGraceMs !== undefined) return interruptedExit();
  return { code };
}

/** Waits for every probe of `service` within its timeout; an Exit when it failed, undefined when ready (or interrupted). */
async function awaitReady(
  proc: RunningProcess,
  service: ServiceSpec,
  interruption: Promise<"interrupted">,
  label: string,
): Promise<Exit | undefined> {
  const deadline = performance.now() + service.readyTimeoutMs;
  try {
    for (const probe of service.probes) {
      const within = Math.max(0, Math.round(deadline - performance.now()));
      const ready = await Promise.race([probe.wait(proc, within).then(() => "ready" as const), interruption]);
      if (ready === "interrupted") return undefined;
    }
  } catch (error) {
    // "service sleep: port localhost:8080 not ready within 60000 ms" / "service sh: exited (code 4) before …"
    note("with", `${label} ${describeFailure(error)}`);
    if (error instanceof NotReadyError && error.timeoutMs !== undefined) return { code: EXIT_TIMED_OUT };
    return { code: statusOfError(error) };
  }
  return undefined;
}
