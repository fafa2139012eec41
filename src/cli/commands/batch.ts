/**
 * `processkit batch`: one command per line from a file or stdin, quoted like a shell but run
 * without one (shell-words.ts), at most `-j N` at a time, each in its own container.
 *
 * Output: each command's stdout and stderr are captured (the last 1 MiB of each) and written
 * out in one piece when it finishes — stdout to our stdout, stderr to our stderr — so parallel
 * runs never interleave mid-line. On a terminal a live progress line sits at the bottom of
 * stderr. At the end, a summary (the slowest commands, and every failed one with the tail of
 * its stderr) goes to stderr. With `--json`, stdout carries one JSON document instead, with
 * each command's captured output in it.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { isatty } from "node:tty";
import { Command, JobRunner, outputStream } from "../../index.js";
import { durationFlag, type FlagSpecs, integerFlag, type ParsedArgs, UsageError } from "../args.js";
import { BatchRunner, NotStartedError } from "../batch-runner.js";
import { type BatchRecord, failureReason, summaryText } from "../batch-summary.js";
import { type Exit, statusOfOutcome } from "../exit-codes.js";
import { describeFailure, failureJson, statusOfError } from "../failure.js";
import { LineRelay } from "../line-prefix.js";
import { note, roundMs, writeErr, writeJson, writeOut } from "../output.js";
import { ProgressLine } from "../progress-line.js";
import { type CommandLine, parseCommandLines, ShellWordsError } from "../shell-words.js";
import { defineSubcommand, type SubcommandContext } from "../subcommand.js";

/** Most bytes of each stream kept per command (the tail). */
const CAPTURE_BYTES = 1024 * 1024;

const FLAGS: FlagSpecs = {
  jobs: { type: "string", short: "j", check: (value, flag) => integerFlag(value, flag, 1) },
  timeout: { type: "string", check: durationFlag },
  grace: { type: "string", check: durationFlag },
  "fail-fast": { type: "boolean" },
  json: { type: "boolean" },
  stream: { type: "boolean" },
};

export const BATCH_HELP = `Usage: processkit batch [OPTIONS] [FILE | -]

Runs the commands in FILE (or stdin), one per line, at most -j at a time, each in its own
container. Lines are quoted like a shell ('single', "double", backslash escapes, # comments,
a trailing backslash continues the line) but run WITHOUT a shell: no variables, globs,
pipes or redirections — write sh -c '...' for those.

Options:
  -j, --jobs N         run at most N commands at once (default: the number of CPUs)
  --timeout D          stop a command's tree after D (SIGTERM, SIGKILL after --grace)
  --grace D            how long SIGTERM may take before SIGKILL (default 2s)
  --fail-fast          on the first failure, start nothing more and stop the running ones
  --stream             relay each command's lines as they come, prefixed with its line
                       number in FILE ([3] ...), instead of in one piece at the end (no
                       progress line; not with --json)
  --json               print one JSON document describing every command on stdout
  -h, --help           show this help

Each command's stdout and stderr are written out in one piece when it finishes. On a
terminal a progress line shows done/failed/running, elapsed time and an ETA; a summary
(slowest commands, failed ones with the tail of their stderr) ends the run.

Exit status: 0 if every command succeeded; otherwise the status of the first failed
command in input order (its code, 124 timed out, 128+N killed by signal N, 126/127 could
not start); 125 for an unreadable or malformed file; 128+N after a stop signal N.

Examples:
  processkit batch -j 4 --timeout 10m jobs.txt
  printf '%s\\n' 'make -C a' 'make -C b' | processkit batch --fail-fast
  processkit batch --json checks.txt | jq '.commands[] | select(.status == "failed")'
`;

export const batchCommand = defineSubcommand({
  name: "batch",
  help: BATCH_HELP,
  flags: FLAGS,
  rest: "operands",
  run: runBatch,
});

async function runBatch(parsed: ParsedArgs, context: SubcommandContext): Promise<Exit> {
  if (parsed.rest.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(parsed.rest[1])}`);
  const jobsText = parsed.string("jobs");
  const jobs = jobsText === undefined ? availableParallelism() : integerFlag(jobsText, "jobs", 1);
  const timeoutText = parsed.string("timeout");
  const timeoutMs = timeoutText === undefined ? undefined : durationFlag(timeoutText, "timeout");
  const graceMs = context.graceMs(parsed);
  const failFast = parsed.flag("fail-fast");
  const json = parsed.flag("json");
  const stream = parsed.flag("stream");
  if (stream && json)
    throw new UsageError("--stream and --json cannot be combined (the JSON document carries the output)");
  const source = parsed.rest[0] ?? "-";
  if (source === "-" && parsed.rest.length === 0 && isatty(0)) {
    throw new UsageError("no FILE given and stdin is a terminal (give a FILE, or pipe the commands in)");
  }

  let lines: CommandLine[];
  try {
    lines = parseCommandLines(await readSource(source));
  } catch (error) {
    const where = source === "-" ? "stdin" : source;
    const message = error instanceof ShellWordsError ? error.message : (error as Error).message;
    note("batch", `${where}: ${message}`);
    return { code: 125 };
  }
  if (lines.length === 0) {
    note("batch", "no commands to run");
    if (json) writeJson(document([], 0, 0, undefined, failFast));
    return { code: 0 };
  }
  const width = Math.max(...lines.map(({ line }) => String(line).length));
  const commands = lines.map(({ words, line }, i) => {
    let cmd = new Command(words[0] as string, words.slice(1))
      .timeoutGrace(graceMs)
      .outputLimit({ maxBytes: CAPTURE_BYTES, onOverflow: "drop-oldest" });
    if (timeoutMs !== undefined) cmd = cmd.timeout(timeoutMs);
    if (stream) {
      const relay = new LineRelay(String(line), i, { kind: "name", timestamp: false, width });
      cmd = cmd.onStdoutLine((text) => relay.write(1, text)).onStderrLine((text) => relay.write(2, text));
    }
    return cmd;
  });

  const early = context.firstStop;
  if (early !== undefined) return context.nothingStarted(early, "anything");

  const started = performance.now();
  const runner = new BatchRunner(new JobRunner());
  const records: BatchRecord[] = [];
  let failed = 0;
  /** With --fail-fast: the failure that stopped the batch (its status is the exit status). */
  let trigger: BatchRecord | undefined;
  const progress =
    isatty(2) && !stream
      ? new ProgressLine(
          () => ({
            total: commands.length,
            done: records.length,
            failed,
            running: runner.running,
            elapsedMs: performance.now() - started,
          }),
          () => process.stderr.columns ?? 80,
        )
      : undefined;
  const humanNote = (message: string) => {
    progress?.clear();
    note("batch", message);
    progress?.draw();
  };
  context.routeStops(
    { graceful: () => runner.stop(graceMs), immediate: () => runner.kill() },
    {
      notify: humanNote,
      describe: (signal, phase) =>
        phase === "graceful"
          ? `${signal}: starting nothing more; stopping ${runner.running} running ${context.graceNote(graceMs, "SIGTERM")}`
          : `${signal}: killing ${runner.running} running now`,
    },
  );

  for await (const { index, result: entry } of outputStream(commands, { concurrency: jobs, runner })) {
    const { line } = lines[index] as CommandLine;
    const display = (commands[index] as Command).toString();
    let record: BatchRecord;
    if (entry.status === "fulfilled") {
      const result = entry.value;
      const status = result.isSuccess ? "succeeded" : runner.wasStopped(result) ? "stopped" : "failed";
      record = { index, line, display, status, result };
      if (!json && !stream) {
        progress?.clear();
        if (result.stdout !== "") writeOut(result.stdout);
        if (result.stderr !== "")
          writeErr(result.stderr.endsWith("\n") ? result.stderr : `${result.stderr}\n`);
      }
    } else if (entry.reason instanceof NotStartedError) {
      record = { index, line, display, status: "not-run", error: entry.reason };
    } else {
      record = { index, line, display, status: "failed", error: entry.reason };
    }
    records.push(record);
    if (record.status === "failed") {
      failed++;
      if (failFast && !runner.stopping) {
        trigger = record;
        humanNote(
          `--fail-fast: line ${line} ${failureReason(record)}; starting nothing more, stopping ${runner.running} running`,
        );
        runner.stop(graceMs);
      }
    }
    progress?.draw();
  }
  progress?.stop();
  const elapsedMs = performance.now() - started;
  records.sort((a, b) => a.index - b.index);

  const signal = context.firstStop;
  let exit: Exit;
  const firstFailure = trigger ?? records.find((r) => r.status === "failed");
  if (signal !== undefined) exit = context.interrupted(signal);
  else if (firstFailure === undefined) exit = { code: 0 };
  else if (firstFailure.result !== undefined) exit = { code: statusOfOutcome(firstFailure.result.outcome) };
  else exit = { code: statusOfError(firstFailure.error) };

  writeErr(summaryText(records, elapsedMs, signal));
  if (json) writeJson(document(records, elapsedMs, exit.code, signal, failFast));
  return exit;
}

function document(
  records: readonly BatchRecord[],
  elapsedMs: number,
  exit: number,
  interruptedBy: string | undefined,
  failFast: boolean,
): Record<string, unknown> {
  const count = (s: BatchRecord["status"]) => records.filter((r) => r.status === s).length;
  return {
    exit,
    total: records.length,
    succeeded: count("succeeded"),
    failed: count("failed"),
    stopped: count("stopped"),
    notRun: count("not-run"),
    durationMs: roundMs(elapsedMs),
    failFast,
    interruptedBy: interruptedBy ?? null,
    commands: records.map((r) => {
      const base = {
        index: r.index,
        line: r.line,
        command: r.display,
        status: r.status,
      };
      if (r.result !== undefined) {
        const res = r.result;
        return {
          ...base,
          program: res.program,
          args: res.args,
          exit: statusOfOutcome(res.outcome),
          outcome: res.outcome,
          exitCode: res.exitCode,
          signal: res.signal,
          timedOut: res.timedOut,
          durationMs: roundMs(res.durationMs),
          stdout: res.stdout,
          stderr: res.stderr,
          truncated: res.truncated,
        };
      }
      return {
        ...base,
        ...(r.status === "failed" ? { exit: statusOfError(r.error) } : {}),
        error:
          r.error instanceof NotStartedError
            ? { reason: "not-started", message: describeFailure(r.error) }
            : failureJson(r.error),
      };
    }),
  };
}

/** The whole input: a file, or stdin ("-"). */
async function readSource(source: string): Promise<string> {
  if (source !== "-") return readFileSync(source, "utf8");
  try {
    return readFileSync(0, "utf8");
  } catch (error) {
    // A non-blocking stdin (shared with a parent that set O_NONBLOCK): read it as a stream.
    if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }
}
