#!/usr/bin/env node
/**
 * The `processkit` command: run, supervise, batch, with, all, doctor. Stop signals are caught
 * before anything else happens (see signals.ts), then the subcommand runs and we end with
 * its status — or, after an interrupt we passed on, by the same signal.
 */
import { readFileSync } from "node:fs";
import { ProcessError } from "../index.js";
import { UsageError } from "./args.js";
import { allCommand } from "./commands/all.js";
import { batchCommand } from "./commands/batch.js";
import { doctorCommand } from "./commands/doctor.js";
import { runCommand } from "./commands/run.js";
import { superviseCommand } from "./commands/supervise.js";
import { withCommand } from "./commands/with.js";
import { EXIT_FAILED, type Exit, statusOfError } from "./exit-codes.js";
import { describeFailure } from "./failure.js";
import { note, writeErr, writeOut } from "./output.js";
import { dieBy, inbox } from "./signals.js";

inbox.install();

type Subcommand = (argv: readonly string[]) => Promise<Exit>;

const SUBCOMMANDS: Readonly<Record<string, Subcommand>> = {
  run: runCommand,
  supervise: superviseCommand,
  batch: batchCommand,
  with: withCommand,
  all: allCommand,
  doctor: doctorCommand,
};

const HELP = `Usage: processkit <command> [OPTIONS] ...

Run child processes so that nothing they start outlives them.

Commands:
  run        run one program, contained; exit with its status
             processkit run --timeout 5m -- make test
  supervise  keep a program running: restart it with backoff when it crashes
             processkit supervise --max-restarts 5 -- node server.js
  batch      run commands from a file (one per line, shell-quoted, no shell), in parallel
             processkit batch -j 4 --timeout 10m jobs.txt
  with       start a service, wait until it is ready, run a command, tear the service down
             processkit with --ready-port 8080 -- node server.js ::: npm test
  all        run several commands at once, each contained, output prefixed per line
             processkit all --names api,web "npm run api" "npm run web"
  doctor     show how this host contains processes (cgroup v2 or process groups)
             processkit doctor --json

Options:
  -h, --help     show this help (processkit <command> --help for a command's own)
  --version      print the version

Exit status (run, with): the child's own; 128+N killed by signal N; 124 timed out;
125 processkit itself failed; 126 found but not executable; 127 not found.

Every flag and exit status: docs/cli.md in the processkit package.
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version?: unknown;
  };
  return String(pkg.version);
}

async function main(argv: readonly string[]): Promise<Exit> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "-h" || first === "--help" || first === "help") {
    const topic = first === "help" ? rest[0] : undefined;
    const sub = topic === undefined ? undefined : SUBCOMMANDS[topic];
    if (sub !== undefined) return sub(["--help"]);
    // Asked for: stdout, status 0. No command at all is a usage error: stderr, 125.
    if (first === undefined) {
      writeErr(HELP);
      return { code: EXIT_FAILED };
    }
    writeOut(HELP);
    return { code: 0 };
  }
  if (first === "--version" || first === "-V") {
    writeOut(`${version()}\n`);
    return { code: 0 };
  }
  const sub = SUBCOMMANDS[first];
  if (sub === undefined) {
    const what = first.startsWith("-")
      ? `unknown option ${first}`
      : `unknown command ${JSON.stringify(first)}`;
    throw new UsageError(`${what} (commands: ${Object.keys(SUBCOMMANDS).join(", ")})`, { cause: "" });
  }
  try {
    return await sub(rest);
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(error.message, { cause: first });
    // A library error that escaped a subcommand (say, a bad PROCESSKIT_MECHANISM): one line, its status.
    if (error instanceof ProcessError) {
      note(first, describeFailure(error));
      return { code: statusOfError(error) };
    }
    throw error;
  }
}

function finish(exit: Exit): void {
  if (exit.raise !== undefined) dieBy(exit.raise);
  else process.exit(exit.code);
}

main(process.argv.slice(2)).then(finish, (error: unknown) => {
  if (error instanceof UsageError) {
    // One line, naming the flag; the subcommand's help is one --help away.
    const sub = typeof error.cause === "string" ? error.cause : "";
    const hint = sub === "" ? "processkit --help" : `processkit ${sub} --help`;
    note(sub, `${error.message} (see: ${hint})`);
  } else {
    note("", `internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
  process.exit(EXIT_FAILED);
});
