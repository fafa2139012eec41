/**
 * Running the BUILT CLI (`dist/cli/main.js`, built by `npm test`'s pretest) as a subprocess,
 * the way users and scripts do. Every CLI process a test starts is tracked and killed by pid
 * in `afterEach` if a failed assertion left it running.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach } from "vitest";
import { RUNNERS } from "../helpers/mechanisms.js";
import { isAlive, killPids, NODE, pidsIn } from "../helpers/procs.js";

export const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does it)`);

/** Mechanisms this host can run (cgroup v2 where usable; process groups always). */
export const MECHANISMS = RUNNERS.map(([mechanism]) => mechanism);
export const HAS_CGROUP = MECHANISMS.includes("cgroup-v2");

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly mechanism?: string;
  readonly input?: string;
  readonly cwd?: string;
}

export interface StartedCli {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly done: Promise<CliResult>;
  stdout(): string;
  stderr(): string;
}

const started = new Set<ChildProcess>();
/** Pids (grandchildren) a test learned about: killed after each test if still alive. */
export const createdPids = new Set<number>();

afterEach(() => {
  for (const child of started)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  started.clear();
  killPids([...createdPids].filter(isAlive));
  createdPids.clear();
});

/** Starts the CLI in the background. */
export function startCli(args: readonly string[], options: CliOptions = {}): StartedCli {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  if (options.mechanism !== undefined) env.PROCESSKIT_MECHANISM = options.mechanism;
  const child = spawn(NODE, [CLI, ...args], {
    env,
    cwd: options.cwd,
    stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
  });
  started.add(child);
  if (options.input !== undefined) child.stdin?.end(options.input);
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const done = new Promise<CliResult>((resolve) => {
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  if (child.pid === undefined) throw new Error("could not start the CLI");
  return { child, pid: child.pid, done, stdout: () => stdout, stderr: () => stderr };
}

/** Runs the CLI to completion. */
export function cli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

/** Polls `predicate` until it holds (or throws after `withinMs`, saying what it waited for). */
export async function waitUntil(predicate: () => boolean, what: string, withinMs = 10_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "processkit-cli-"));
  dirs.push(dir);
  return dir;
}

/** Pids written one per line to `file` (by a tree script), registered for cleanup. */
export function pidsFrom(file: string): number[] {
  if (!existsSync(file)) return [];
  const pids = pidsIn(readFileSync(file, "utf8"));
  for (const pid of pids) createdPids.add(pid);
  return pids;
}

/** A `sh -c` script that starts `count` background sleepers (one setsid'd when asked), records their pids, then waits. */
export function treeScript(pidFile: string, count: number, options: { setsid?: boolean } = {}): string {
  const lines = [];
  for (let i = 0; i < count; i++) lines.push(`sleep 300 & echo $! >> '${pidFile}'`);
  if (options.setsid) lines.push(`setsid sleep 300 & echo $! >> '${pidFile}'`);
  lines.push(`echo $$ >> '${pidFile}'`, "wait");
  return lines.join("\n");
}

/** A port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}
