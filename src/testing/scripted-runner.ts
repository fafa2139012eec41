/**
 * `ScriptedRunner`: a runner that answers from a script instead of spawning. Rules match in
 * registration order; a command no rule matches, without a fallback, is a loud error.
 *
 * Every reply except a bulk `Reply.timeout()` is played by a scripted driver through the
 * real `RunningProcess`, so line handlers, output limits, okCodes, deadlines and cancellation
 * behave exactly as they do for a real child — for `output()` as much as for `start()`.
 */
import type { Command } from "../command/command.js";
import type { CommandSpec, LineHandler } from "../command/spec.js";
import { SPEC } from "../command/spec.js";
import { checkText, describe } from "../command/validate.js";
import { CassetteMissError, InvalidInputError, SpawnError } from "../errors.js";
import { LineHandlers } from "../io/line-handlers.js";
import { createLineSplitter } from "../io/line-splitter.js";
import type { RunningProcess } from "../process/running-process.js";
import { refuseIfCancelled, startRun } from "../process/start.js";
import { ProcessResult } from "../result.js";
import { BaseRunner } from "../runner/base-runner.js";
import { Reply } from "./reply.js";
import { ScriptedDriver } from "./scripted-driver.js";

/** No rule matched a command and there is no fallback. An `instanceof CassetteMissError` (reason "cassette-miss"). */
export class ScriptMissError extends CassetteMissError {
  /** The command nothing matched. */
  readonly command: Command;
  constructor(command: Command, rules: readonly string[]) {
    const known = rules.length === 0 ? "no rules" : `rules: ${clip(rules.join(" | "), 120)}`;
    super(
      command.program,
      `no scripted reply for ${clip(command.toString(), 200)} (${known}; add .on([...]), .when(...) or .fallback(...))`,
    );
    this.command = command;
  }
}

interface Rule {
  readonly label: string;
  readonly matches: (command: Command) => boolean;
  readonly replies: readonly Reply[];
  used: number;
}

export class ScriptedRunner extends BaseRunner {
  private readonly rules: Rule[] = [];
  private fallbackReply: Reply | undefined;
  /** @internal True for stand-ins that spawn nothing (cassette replays, dry runs): they publish nothing on the lifecycle channels. */
  protected readonly silent: boolean = false;

  /** Answers `reply` to every command whose program equals `pattern[0]` and whose args start with the rest. */
  on(pattern: string | readonly string[], reply: Reply): this {
    const prefix = checkPattern(pattern, "on");
    this.rules.push({
      label: prefix.join(" "),
      matches: prefixMatcher(prefix),
      replies: [checkReply(reply, "on")],
      used: 0,
    });
    return this;
  }

  /** Like `on`, with one reply per matching call, in order; the last one repeats. */
  onSequence(pattern: string | readonly string[], replies: readonly Reply[]): this {
    const prefix = checkPattern(pattern, "onSequence");
    if (!Array.isArray(replies) || replies.length === 0) {
      throw new InvalidInputError("onSequence", "onSequence: expected a non-empty array of replies");
    }
    const checked = replies.map((r) => checkReply(r, "onSequence"));
    this.rules.push({ label: prefix.join(" "), matches: prefixMatcher(prefix), replies: checked, used: 0 });
    return this;
  }

  /** Answers `reply` to every command the predicate accepts. A throwing predicate rejects the verb with its error. */
  when(predicate: (command: Command) => boolean, reply: Reply): this {
    if (typeof predicate !== "function") {
      throw new InvalidInputError("when", `when: expected a function, got ${describe(predicate)}`);
    }
    this.rules.push({ label: "when(…)", matches: predicate, replies: [checkReply(reply, "when")], used: 0 });
    return this;
  }

  /** The answer when no rule matches (replaces an earlier fallback). */
  fallback(reply: Reply): this {
    this.fallbackReply = checkReply(reply, "fallback");
    return this;
  }

  async output(command: Command): Promise<ProcessResult<string>> {
    const spec = command[SPEC];
    const reply = this.answer(command);
    if (reply.data.end.kind === "timeout")
      return timedOut(spec, reply, spec.stdout === "pipe" ? reply.data.stdout + linesText(reply) : "");
    return (await this.launch(command, reply, true)).output();
  }

  async outputBytes(command: Command): Promise<ProcessResult<Uint8Array>> {
    const spec = command[SPEC];
    const reply = this.answer(command);
    if (reply.data.end.kind === "timeout") {
      const text = spec.stdout === "pipe" ? reply.data.stdout + linesText(reply) : "";
      return timedOut(spec, reply, text).withStdout(new Uint8Array(Buffer.from(text)));
    }
    return (await this.launch(command, reply, true)).outputBytes();
  }

  async start(command: Command): Promise<RunningProcess> {
    return this.launch(command, this.answer(command), false);
  }

  /** The reply for this call (advancing a sequence). An already-cancelled command consumes nothing. */
  private answer(command: Command): Reply {
    const spec = command[SPEC];
    refuseIfCancelled(spec.program, spec.cancelSignal);
    for (const rule of this.rules) {
      if (!rule.matches(command)) continue;
      const reply = rule.replies[Math.min(rule.used, rule.replies.length - 1)] as Reply;
      rule.used++;
      return reply;
    }
    if (this.fallbackReply !== undefined) return this.fallbackReply;
    throw new ScriptMissError(
      command,
      this.rules.map((r) => r.label),
    );
  }

  private async launch(command: Command, reply: Reply, bulk: boolean): Promise<RunningProcess> {
    let spec = command[SPEC];
    const end = reply.data.end;
    if (end.kind === "spawn-error") {
      throw new SpawnError(spec.program, `${spec.program}: failed to start: ${end.message}`);
    }
    // A scripted timeout through start(): the child hangs and the real deadline machinery ends it.
    if (end.kind === "timeout" && spec.timeoutMs === undefined) spec = { ...spec, timeoutMs: 0 };
    const interactive = spec.stdin.kind === "interactive";
    return startRun(spec, () => new ScriptedDriver(reply.data, { interactive }), {
      killTreeOnExit: true,
      closeStdin: bulk,
      silent: this.silent,
    });
  }
}

function timedOut(spec: CommandSpec, reply: Reply, stdout: string): ProcessResult<string> {
  deliver(spec.stdoutLineHandlers, stdout, spec.encoding);
  deliver(spec.stderrLineHandlers, reply.data.stderr, spec.encoding);
  return new ProcessResult({
    program: spec.program,
    args: spec.args,
    stdout,
    stderr: spec.stderr === "pipe" ? reply.data.stderr : "",
    outcome: { kind: "timed-out" },
    durationMs: spec.timeoutMs ?? 0,
    truncated: false,
    okCodes: spec.okCodes,
    timeoutMs: spec.timeoutMs,
  });
}

/** What the handlers of a real run would have seen of `text`: the same line rules and handler rules. */
function deliver(handlers: readonly LineHandler[], text: string, encoding: string): void {
  const called = new LineHandlers(handlers);
  if (!called.active || text.length === 0) return;
  const splitter = createLineSplitter(encoding, (lines) => called.deliver(lines));
  splitter.push(Buffer.from(text));
  splitter.end();
}

function linesText(reply: Reply): string {
  return reply.data.lines.map((l) => `${l}\n`).join("");
}

function prefixMatcher(prefix: readonly string[]): (command: Command) => boolean {
  const [program, ...args] = prefix;
  return (command) => {
    if (command.program !== program) return false;
    const actual = command[SPEC].args;
    if (actual.length < args.length) return false;
    return args.every((arg, i) => actual[i] === arg);
  };
}

function checkPattern(pattern: unknown, argument: string): string[] {
  const list = typeof pattern === "string" ? [pattern] : pattern;
  if (!Array.isArray(list) || list.length === 0) {
    throw new InvalidInputError(
      argument,
      `${argument}: expected a program or a non-empty [program, ...argsPrefix] array, got ${describe(pattern)}`,
    );
  }
  const checked = list.map((item, i) => checkText(item, `${argument}[${i}]`, ""));
  if ((checked[0] as string).length === 0) {
    throw new InvalidInputError(argument, `${argument}: the program must not be empty`);
  }
  return checked;
}

function checkReply(reply: unknown, argument: string): Reply {
  if (!(reply instanceof Reply)) {
    throw new InvalidInputError(
      argument,
      `${argument}: expected a Reply (Reply.ok(), Reply.fail() …), got ${describe(reply)}`,
    );
  }
  return reply;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
