/**
 * `processkit with`: start a service, wait until it is ready, run a command, tear the
 * service's whole tree down, exit with the command's status — the start-server-and-test job,
 * without orphans. Both run in their own containers.
 *
 * The service's stdout and stderr are relayed, line by line, to our stderr (our stdout is the
 * command's); `--ready-line` watches both streams. The command inherits our stdin, stdout and
 * stderr.
 */
import { JobRunner, NotReadyError, type RunningProcess } from "../../index.js";
import { durationFlag, type FlagSpecs, type ParsedArgs, UsageError } from "../args.js";
import { applyEnvFlags, commandOf, ENV_FLAGS, ENV_FLAGS_HELP } from "../command-flags.js";
import { EXIT_TIMED_OUT, type Exit, statusOfOutcome } from "../exit-codes.js";
import { describeFailure, statusOfError } from "../failure.js";
import { note, writeErr } from "../output.js";
import { defineSubcommand, type SubcommandContext } from "../subcommand.js";

export const SEPARATOR = ":::";
const DEFAULT_READY_TIMEOUT_MS = 60_000;
/** Lines of service output kept (for the message when it dies before it is ready). */
const SERVICE_CAPTURE_LINES = 200;

const FLAGS: FlagSpecs = {
  "ready-port": { type: "string" },
  "ready-line": { type: "string" },
  "ready-http": { type: "string" },
  "ready-path": { type: "string" },
  "ready-timeout": { type: "string" },
  grace: { type: "string" },
  ...ENV_FLAGS,
};

export const WITH_HELP = `Usage: processkit with [OPTIONS] [--] SERVICE [ARGS...] ::: COMMAND [ARGS...]

Starts SERVICE, waits until it is ready, runs COMMAND, then tears the service's whole
process tree down and exits with COMMAND's status. Nothing either of them started is
left behind — not even when processkit itself is killed.

Readiness (all that are given must pass, within --ready-timeout):
  --ready-port [HOST:]PORT   a TCP connection succeeds (HOST defaults to localhost)
  --ready-line TEXT          the service prints a line containing TEXT (stdout or stderr)
  --ready-http URL           a GET answers 2xx
  --ready-path PATH          the file exists
  --ready-timeout D          give up after D (default 60s): exit 124
  Without any, COMMAND starts as soon as SERVICE was spawned.

Options:
  --grace D            how long the service (and, after a stop signal, the command) may
                       take after SIGTERM before SIGKILL (default 2s)
${ENV_FLAGS_HELP}
                       (the environment options apply to both SERVICE and COMMAND)
  -h, --help           show this help

The service's output goes to stderr; COMMAND inherits stdin, stdout and stderr.

Exit status: COMMAND's own (128+N if killed by signal N); 124 if the service was not ready
in time; 125 if it exited before it was ready (or processkit failed); 126/127 if SERVICE
or COMMAND could not be started; 128+N after a stop signal N.

Examples:
  processkit with --ready-port 8080 -- node server.js ::: npm test
  processkit with --ready-http http://localhost:3000/health -- npm start ::: npx playwright test
  processkit with --ready-line 'database system is ready' -- postgres -D data ::: ./migrate.sh
`;

export const withCommand = defineSubcommand({
  name: "with",
  help: WITH_HELP,
  flags: FLAGS,
  rest: "program",
  run: runWith,
});

async function runWith(parsed: ParsedArgs, context: SubcommandContext): Promise<Exit> {
  const cut = parsed.rest.indexOf(SEPARATOR);
  if (cut === -1) throw new UsageError(`expected "${SEPARATOR}" between the service and the command`);
  const serviceWords = parsed.rest.slice(0, cut);
  const commandWords = parsed.rest.slice(cut + 1);
  const graceMs = context.graceMs(parsed);
  const readyTimeoutText = parsed.string("ready-timeout");
  const readyTimeoutMs =
    readyTimeoutText === undefined
      ? DEFAULT_READY_TIMEOUT_MS
      : durationFlag(readyTimeoutText, "ready-timeout");
  const probes = readinessProbes(parsed);

  const relay = (line: string) => writeErr(`${line}\n`);
  const serviceCmd = applyEnvFlags(commandOf(serviceWords, `the service before "${SEPARATOR}"`), parsed)
    .stdout("pipe")
    .stderr("pipe")
    .outputLimit({ maxLines: SERVICE_CAPTURE_LINES, onOverflow: "drop-oldest" })
    .onStdoutLine(relay)
    .onStderrLine(relay);
  const userCmd = applyEnvFlags(commandOf(commandWords, `the command after "${SEPARATOR}"`), parsed)
    .stdin("inherit")
    .stdout("inherit")
    .stderr("inherit");
  const service = serviceCmd.program;

  const early = context.firstStop;
  if (early !== undefined) return context.nothingStarted(early, service);

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

  // 1. The service.
  let serviceProc: RunningProcess;
  try {
    serviceProc = await runner.start(serviceCmd);
  } catch (error) {
    note("with", `service: ${describeFailure(error)}`);
    return { code: statusOfError(error) };
  }
  track(serviceProc);
  const teardown = async (): Promise<void> => {
    await serviceProc.shutdown({ grace: stopGraceMs ?? graceMs }).catch(() => {});
  };

  // 2. Readiness.
  if (stopGraceMs === undefined && probes.length > 0) {
    const deadline = performance.now() + readyTimeoutMs;
    try {
      for (const probe of probes) {
        const within = Math.max(0, Math.round(deadline - performance.now()));
        const ready = await Promise.race([
          probe.wait(serviceProc, within).then(() => "ready" as const),
          interruption,
        ]);
        if (ready === "interrupted") break;
      }
    } catch (error) {
      await teardown();
      if (stopGraceMs !== undefined) return interruptedExit();
      // "sleep: port localhost:8080 not ready within 60000 ms" / "sh: exited (code 4) before …"
      note("with", `service ${describeFailure(error)}`);
      if (error instanceof NotReadyError && error.timeoutMs !== undefined) return { code: EXIT_TIMED_OUT };
      return { code: statusOfError(error) };
    }
  }
  if (stopGraceMs !== undefined) {
    await teardown();
    return interruptedExit();
  }

  // 3. The command.
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

  // 4. Tear the service down.
  await teardown();
  if (stopGraceMs !== undefined) return interruptedExit();
  return { code };
}

interface Probe {
  wait(proc: RunningProcess, withinMs: number): Promise<unknown>;
}

function readinessProbes(parsed: ParsedArgs): Probe[] {
  const probes: Probe[] = [];
  const port = parsed.string("ready-port");
  if (port !== undefined) {
    const target = parsePort(port);
    probes.push({ wait: (proc, within) => proc.waitForPort(target, within) });
  }
  const line = parsed.string("ready-line");
  if (line !== undefined) {
    if (line === "") throw new UsageError("--ready-line: expected some text to wait for");
    probes.push({ wait: (proc, within) => waitForEitherLine(proc, line, within) });
  }
  const http = parsed.string("ready-http");
  if (http !== undefined) {
    let url: URL;
    try {
      url = new URL(http);
    } catch {
      throw new UsageError(`--ready-http: invalid URL ${JSON.stringify(http)}`);
    }
    if (url.protocol !== "http:")
      throw new UsageError(`--ready-http: only http:// URLs are supported, got ${url.protocol}`);
    probes.push({ wait: (proc, within) => proc.waitForHttp(url, { within }) });
  }
  const path = parsed.string("ready-path");
  if (path !== undefined) {
    if (path === "") throw new UsageError("--ready-path: expected a path");
    probes.push({ wait: (proc, within) => proc.waitForPath(path, within) });
  }
  return probes;
}

function parsePort(text: string): number | { host: string; port: number } {
  const colon = text.lastIndexOf(":");
  const host = colon === -1 ? undefined : text.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
  const portText = colon === -1 ? text : text.slice(colon + 1);
  const port = /^\d+$/.test(portText) ? Number(portText) : Number.NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65_535 || host === "") {
    throw new UsageError(`--ready-port: expected PORT or HOST:PORT (1-65535), got ${JSON.stringify(text)}`);
  }
  return host === undefined ? port : { host, port };
}

/** A line containing `text` on stdout or on stderr, whichever comes first. */
function waitForEitherLine(proc: RunningProcess, text: string, withinMs: number): Promise<unknown> {
  const out = proc.waitForLine(text, withinMs);
  const err = proc.waitForStderrLine(text, withinMs);
  // The loser keeps waiting until its own deadline or the exit; its rejection is expected.
  out.catch(() => {});
  err.catch(() => {});
  return Promise.any([out, err]).catch((error: AggregateError) => {
    // Prefer the deadline error (it says "not ready within"); else the first one.
    const errors = error.errors as unknown[];
    throw errors.find((e) => e instanceof NotReadyError && e.timeoutMs !== undefined) ?? errors[0];
  });
}
