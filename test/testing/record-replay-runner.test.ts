/**
 * RecordReplayRunner: real runs recorded once, replayed with nothing spawned (the spawn channel
 * stays silent), env values never written, strict about bad cassettes.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  CancelledError,
  CassetteMissError,
  Command,
  ExitError,
  InvalidInputError,
  type ProcessEvent,
  SpawnError,
} from "../../src/index.js";
import { CASSETTE_ENV, RecordReplayRunner, Reply, ScriptedRunner } from "../../src/testing/index.js";
import { NODE } from "../helpers/procs.js";
import { node } from "../helpers/scripts.js";
import { type Watch, watchChannels } from "../helpers/watch.js";

let dir: string;
let cassette: string;
let watch: Watch | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "processkit-cassette-"));
  cassette = join(dir, "calls.cassette.json");
  delete process.env[CASSETTE_ENV];
});
afterEach(() => {
  watch?.stop();
  watch = undefined;
  delete process.env[CASSETTE_ENV];
  rmSync(dir, { recursive: true, force: true });
});

/** Writes to both streams in turn, so their order is observable. */
const chatty = () =>
  node(
    `const w = (s, t) => new Promise((r) => s.write(t, r));
     (async () => { await w(process.stdout, "out 1\\n"); await new Promise((r) => setTimeout(r, 30));
       await w(process.stderr, "err 1\\r\\n"); await new Promise((r) => setTimeout(r, 30));
       await w(process.stdout, "out 2"); process.exitCode = 3; })();`,
  );

async function events(runner: RecordReplayRunner, command: Command): Promise<ProcessEvent[]> {
  const proc = await runner.start(command);
  const seen: ProcessEvent[] = [];
  for await (const event of proc.events()) seen.push(event);
  return seen;
}

describe("RecordReplayRunner", () => {
  it("records a real run, then replays it with nothing spawned: same result, same order", async () => {
    const recorder = new RecordReplayRunner(cassette, { mode: "record" });
    const live = await recorder.output(chatty());
    const liveEvents = await events(recorder, chatty());
    await recorder.close();
    expect(live.exitCode).toBe(3);
    expect(live.stdout).toBe("out 1\nout 2");
    expect(liveEvents.map((e) => e.type)).toEqual(["stdout", "stderr", "stdout", "exit"]);
    expect(statSync(cassette).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(["calls.cassette.json"]); // no temp file, no lock left

    watch = watchChannels();
    const replayer = new RecordReplayRunner(cassette, { mode: "replay" });
    const replayed = await replayer.output(chatty());
    expect(replayed.exitCode).toBe(3);
    expect(replayed.stdout).toBe(live.stdout);
    expect(replayed.stderr).toBe(live.stderr);
    expect(replayed.stderr).toBe("err 1\r\n");
    expect(await events(replayer, chatty())).toEqual(liveEvents);
    await expect(replayer.run(chatty())).rejects.toBeInstanceOf(ExitError); // the last one repeats
    expect(watch.events).toEqual([]); // not a spawn, not an exit: nothing ran
  });

  it("writes env names, never env values", async () => {
    const secret = "planted-secret-Vb82x";
    const recorder = new RecordReplayRunner(cassette, { mode: "record" });
    await recorder.run(node(`console.log(process.env.TOKEN.length)`).env({ TOKEN: secret, OTHER: secret }));
    await recorder.close();
    const text = readFileSync(cassette, "utf8");
    expect(text).not.toContain(secret);
    expect(JSON.parse(text).calls[0].envNames).toEqual(["TOKEN", "OTHER"]);
    expect(JSON.parse(text).calls[0].events).toEqual([
      { at: expect.any(Number), stream: "stdout", text: "20\n" },
    ]);
  });

  it("redaction hooks rewrite args (also when matching) and output lines before they are written", async () => {
    const options = {
      redactArgs: (args: readonly string[]) => args.map((a) => a.replace(/tok-\w+/, "<token>")),
      redactOutput: (line: string) => line.replaceAll("hunter2", "<password>"),
    };
    const recorder = new RecordReplayRunner(cassette, { mode: "record", ...options });
    const script = 'const pw = "hunter" + 2; console.log("pw " + pw); console.error(pw + " again")';
    await recorder.output(node(script, ["tok-abc123"]));
    await recorder.close();
    const text = readFileSync(cassette, "utf8");
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("tok-abc123");
    expect(text).toContain("<token>");
    const replayer = new RecordReplayRunner(cassette, { mode: "replay", ...options });
    const result = await replayer.output(node(script, ["tok-OTHER9"])); // a different token matches
    expect(result.stdout).toBe("pw <password>\n");
    expect(result.stderr).toBe("<password> again\n");
  });

  it("a miss is a CassetteMissError naming the closest recorded call", async () => {
    const recorder = new RecordReplayRunner(cassette, { runner: scriptedGit(), mode: "record" });
    await recorder.run(new Command("git", ["log", "--oneline"]));
    await recorder.run(new Command("git", ["status"]));
    await recorder.close();
    const replayer = new RecordReplayRunner(cassette, { mode: "replay" });
    const error = await replayer.run(new Command("git", ["log", "--graph"])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CassetteMissError);
    expect((error as CassetteMissError).closest).toBe("git log --oneline");
    expect((error as Error).message).toMatch(
      /no recorded call for git log --graph .*closest: git log --oneline/,
    );
    expect((error as Error).message).toContain(`${CASSETTE_ENV}=record`);
  });

  it("matches on cwd and a stdin hash unless told not to", async () => {
    const recorder = new RecordReplayRunner(cassette, { runner: scriptedGit(), mode: "record" });
    await recorder.run(new Command("git", ["hash-object", "--stdin"]).cwd("/a").stdin("one"));
    await recorder.close();
    const strict = new RecordReplayRunner(cassette, { mode: "replay" });
    const git = (cwd: string, stdin: string) =>
      new Command("git", ["hash-object", "--stdin"]).cwd(cwd).stdin(stdin);
    expect(await strict.run(git("/a", "one"))).toBe("ok");
    await expect(strict.run(git("/b", "one"))).rejects.toThrow(/closest: .*\(cwd \/a\)/);
    await expect(strict.run(git("/a", "two"))).rejects.toBeInstanceOf(CassetteMissError);
    const loose = new RecordReplayRunner(cassette, { mode: "replay", match: { cwd: false, stdin: false } });
    expect(await loose.run(git("/b", "two"))).toBe("ok");
  });

  it("with match.stdin off, no hash of stdin is written", async () => {
    const recorder = new RecordReplayRunner(cassette, {
      runner: scriptedGit(),
      mode: "record",
      match: { stdin: false },
    });
    await recorder.run(new Command("git", ["credential", "approve"]).stdin("password=1234\n"));
    await recorder.close();
    const text = readFileSync(cassette, "utf8");
    expect(text).not.toContain("sha256:");
    expect(JSON.parse(text).calls[0].stdin).toBe("unhashed");
  });

  it("auto records when the cassette is absent and replays when present; the env var forces a mode", async () => {
    const first = new RecordReplayRunner(cassette, { runner: scriptedGit("v1") });
    expect(await first.run(new Command("git", ["version"]))).toBe("v1");
    await first.close();
    const second = new RecordReplayRunner(cassette, { runner: scriptedGit("v2") });
    expect(await second.run(new Command("git", ["version"]))).toBe("v1"); // replayed
    process.env[CASSETTE_ENV] = "record";
    const forced = new RecordReplayRunner(cassette, { runner: scriptedGit("v2"), mode: "replay" });
    expect(forced.mode).toBe("record");
    expect(await forced.run(new Command("git", ["version"]))).toBe("v2");
    await forced.close();
    expect(readFileSync(cassette, "utf8")).toContain('"text": "v2\\n"');
    process.env[CASSETTE_ENV] = "sometimes";
    expect(() => new RecordReplayRunner(cassette)).toThrow(
      /PROCESSKIT_CASSETTE: expected "record", "replay" or "auto", got "sometimes"/,
    );
  });

  it("a corrupt, truncated, foreign or newer cassette is an InvalidInputError, never a silent re-record", async () => {
    const cases: [string, RegExp][] = [
      ["{ not json", /not valid JSON/],
      ['{"format":"processkit-cassette","version":1,"calls":[', /not valid JSON \(corrupt or truncated/],
      ['{"format":"vcr","version":1,"calls":[]}', /format is not "processkit-cassette"/],
      [
        '{"format":"processkit-cassette","version":2,"calls":[]}',
        /version is 2, newer than this processkit reads \(1\)/,
      ],
      [
        '{"format":"processkit-cassette","version":1,"calls":[{"program":"git"}]}',
        /calls\[0\]\.cwd is not a string or null/,
      ],
    ];
    for (const [text, message] of cases) {
      writeFileSync(cassette, text);
      const runner = new RecordReplayRunner(cassette, { runner: scriptedGit() }); // auto: present → replay
      const error = await runner.run(new Command("git", ["status"])).catch((e: unknown) => e);
      expect(error, text).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message).toMatch(message);
      expect(readFileSync(cassette, "utf8")).toBe(text); // untouched
    }
  });

  it("two recorders on one cassette: the second is refused; a stale lock is taken over", async () => {
    const one = new RecordReplayRunner(cassette, { runner: scriptedGit(), mode: "record" });
    const two = new RecordReplayRunner(cassette, { runner: scriptedGit(), mode: "record" });
    await one.run(new Command("git", ["status"]));
    await expect(two.run(new Command("git", ["status"]))).rejects.toThrow(
      /another recorder in this process is recording it/,
    );
    const relative = new RecordReplayRunner(`${cassette}/../calls.cassette.json`, {
      runner: scriptedGit(),
      mode: "record",
    });
    await expect(relative.run(new Command("git", ["status"]))).rejects.toThrow(/another recorder/);
    await one.close();
    expect(await two.run(new Command("git", ["status"]))).toBe("ok");
    await two.close();

    // A lock left by a recorder that died (a pid that is not alive) is stale.
    const dead = await new Command(NODE, ["-e", "console.log(process.pid)"]).run();
    writeFileSync(`${cassette}.lock`, `${dead}\n`);
    const three = new RecordReplayRunner(cassette, { runner: scriptedGit(), mode: "record" });
    expect(await three.run(new Command("git", ["status"]))).toBe("ok");
    await three.close();
    expect(existsSync(`${cassette}.lock`)).toBe(false);

    // A lock held by a live process is respected.
    writeFileSync(`${cassette}.lock`, `${process.ppid}\n`);
    const four = new RecordReplayRunner(cassette, { runner: scriptedGit(), mode: "record" });
    await expect(four.run(new Command("git", ["status"]))).rejects.toThrow(
      `another recorder (pid ${process.ppid})`,
    );
  });

  it("an unwritable cassette directory is an InvalidInputError before anything runs", async () => {
    writeFileSync(join(dir, "file"), "");
    const inner = scriptedGit();
    const runner = new RecordReplayRunner(join(dir, "file", "sub", "c.json"), {
      runner: inner,
      mode: "record",
    });
    await expect(runner.run(new Command("git", ["status"]))).rejects.toThrow(/cannot write in .*\(ENOTDIR\)/);
  });

  it.runIf(process.getuid?.() === 0)("a directory the recording user may not write to (EACCES)", async () => {
    const locked = join(dir, "locked");
    mkdirSync(locked);
    chmodSync(dir, 0o755);
    chmodSync(locked, 0o755);
    const testing = new URL("../../dist/testing/index.js", import.meta.url).href;
    const index = new URL("../../dist/index.js", import.meta.url).href;
    const script = `
      const { RecordReplayRunner, Reply, ScriptedRunner } = await import(${JSON.stringify(testing)});
      const { Command } = await import(${JSON.stringify(index)});
      const r = new RecordReplayRunner(${JSON.stringify(join(locked, "c.json"))}, { mode: "record", runner: new ScriptedRunner().fallback(Reply.ok()) });
      try { await r.run(new Command("git")); console.log("no error"); } catch (e) { console.log(e.name, e.message); }`;
    const out = await new Command(NODE, ["--input-type=module", "-e", script])
      .uid(65534)
      .gid(65534)
      .cwd("/")
      .run();
    expect(out).toMatch(/^InvalidInputError cassette .*c\.json: cannot write in .*locked \(EACCES\)$/);
  });

  it("binary stdout (outputBytes) round-trips exactly", async () => {
    const bytes = node(`process.stdout.write(Buffer.from([0, 255, 10, 200, 65]))`);
    const recorder = new RecordReplayRunner(cassette, { mode: "record" });
    const live = await recorder.outputBytes(bytes);
    await recorder.close();
    const replayed = await new RecordReplayRunner(cassette, { mode: "replay" }).outputBytes(bytes);
    expect(Buffer.from(replayed.stdout)).toEqual(Buffer.from(live.stdout));
    expect([...replayed.stdout]).toEqual([0, 255, 10, 200, 65]);
  });

  it("firstLine and a cancel: runs that did not end on their own replay until the same thing ends them", async () => {
    const ticker = () => node(`let i = 0; setInterval(() => console.log("tick " + i++), 20)`);
    /** firstLine stops the run after its match; the second run is cancelled from its own line handler. */
    const both = async (runner: RecordReplayRunner) => {
      expect(await runner.firstLine(ticker(), (l) => l === "tick 2")).toBe("tick 2");
      const controller = new AbortController();
      const cancelled = runner.output(
        ticker()
          .cancelOn(controller.signal)
          .onStdoutLine((l) => l === "tick 1" && controller.abort("enough")),
      );
      await expect(cancelled).rejects.toBeInstanceOf(CancelledError);
    };
    const recorder = new RecordReplayRunner(cassette, { mode: "record" });
    await both(recorder);
    await recorder.close();
    const calls = JSON.parse(readFileSync(cassette, "utf8")).calls;
    expect(calls.map((c: { end: { kind: string } }) => c.end.kind)).toEqual(["pending", "pending"]);

    watch = watchChannels();
    await both(new RecordReplayRunner(cassette, { mode: "replay" }));
    expect(watch.events).toEqual([]);
  });

  it("a spawn failure is recorded and replayed as one", async () => {
    const missing = new Command(join(dir, "no-such-program"));
    const recorder = new RecordReplayRunner(cassette, { mode: "record" });
    await expect(recorder.run(missing)).rejects.toThrow();
    await recorder.close();
    await expect(new RecordReplayRunner(cassette, { mode: "replay" }).run(missing)).rejects.toBeInstanceOf(
      SpawnError,
    );
  });

  it("recorded times are from the start of the run (setup before the spawn is not counted)", async () => {
    const recorder = new RecordReplayRunner(cassette, { mode: "record" });
    await recorder.run(new Command("sh", ["-c", "echo a; sleep 0.2; echo b"]));
    await recorder.close();
    const [call] = JSON.parse(readFileSync(cassette, "utf8")).calls;
    const [a, b] = call.events as { at: number }[];
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(150); // the sleep, whatever the machine's load
    expect(b!.at).toBeLessThanOrEqual(call.durationMs);
  });

  it('timing "recorded" keeps the recorded pauses (fake timers)', async () => {
    writeFileSync(
      cassette,
      JSON.stringify({
        format: "processkit-cassette",
        version: 1,
        calls: [
          {
            program: "job",
            args: [],
            cwd: null,
            stdin: "none",
            envNames: [],
            durationMs: 3000,
            end: { kind: "exit", code: 0 },
            events: [
              { at: 1000, stream: "stdout", text: "a\n" },
              { at: 2000, stream: "stderr", text: "b\n" },
            ],
          },
        ],
      }),
    );
    const runner = new RecordReplayRunner(cassette, { mode: "replay", timing: "recorded" });
    // A miss reads the cassette (real I/O) without using up a call; then time can be faked.
    await expect(runner.run(new Command("warm-up"))).rejects.toBeInstanceOf(CassetteMissError);
    vi.useFakeTimers();
    try {
      const seen: [string, number][] = [];
      const t0 = Date.now();
      const result = runner.output(
        new Command("job")
          .onStdoutLine((l) => seen.push([l, Date.now() - t0]))
          .onStderrLine((l) => seen.push([l, Date.now() - t0])),
      );
      await vi.runAllTimersAsync();
      expect((await result).exitCode).toBe(0);
      expect(seen).toEqual([
        ["a", 1000],
        ["b", 2000],
      ]);
      expect(Date.now() - t0).toBe(3000);
    } finally {
      vi.useRealTimers();
    }
  });

  it("a retried command records one call per attempt and replays them in the same order", async () => {
    const flaky = new ScriptedRunner().onSequence(
      ["deploy"],
      [Reply.fail(1, "busy\n"), Reply.ok("deployed\n")],
    );
    const deploy = new Command("deploy").retry({ attempts: 2, delay: 0 });
    const recorder = new RecordReplayRunner(cassette, { runner: flaky, mode: "record" });
    expect(await recorder.run(deploy)).toBe("deployed");
    await recorder.close();
    const calls = JSON.parse(readFileSync(cassette, "utf8")).calls;
    expect(calls.map((c: { end: { code: number } }) => c.end.code)).toEqual([1, 0]);
    const replayer = new RecordReplayRunner(cassette, { mode: "replay" });
    expect(await replayer.run(deploy)).toBe("deployed");
    await expect(replayer.run(deploy.retry({ attempts: 1 }))).resolves.toBe("deployed"); // the last repeats
  });

  it("close() waits for a started run still being recorded, so nothing is written after the unlock", async () => {
    const recorder = new RecordReplayRunner(cassette, { mode: "record" });
    const proc = await recorder.start(node(`setTimeout(() => console.log("late"), 300)`));
    const closed = recorder.close();
    let done = false;
    void closed.then(() => {
      done = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(done).toBe(false);
    expect(existsSync(`${cassette}.lock`)).toBe(true);
    await proc.finish();
    await closed;
    expect(existsSync(`${cassette}.lock`)).toBe(false);
    expect(JSON.parse(readFileSync(cassette, "utf8")).calls[0].events[0].text).toBe("late\n");
  });

  it("bad options are typed errors naming the option", () => {
    expect(() => new RecordReplayRunner("")).toThrow(InvalidInputError);
    expect(() => new RecordReplayRunner(cassette, { mdoe: "record" } as never)).toThrow(
      /unknown option "mdoe"/,
    );
    expect(() => new RecordReplayRunner(cassette, { mode: "rec" as never })).toThrow(/mode: expected/);
    expect(() => new RecordReplayRunner(cassette, { timing: "slow" as never })).toThrow(/timing: expected/);
    expect(() => new RecordReplayRunner(cassette, { match: { argv: true } as never })).toThrow(
      /match: unknown key "argv"/,
    );
    expect(() => new RecordReplayRunner(cassette, { redactArgs: "x" as never })).toThrow(
      /redactArgs: expected a function/,
    );
  });

  it("replay of a missing cassette is a CassetteMissError saying how to record it", async () => {
    const runner = new RecordReplayRunner(cassette, { mode: "replay" });
    await expect(runner.run(new Command("git"))).rejects.toThrow(
      /^git: cassette .* does not exist \(record it: PROCESSKIT_CASSETTE=record\)$/,
    );
  });
});

function scriptedGit(version = "v"): ScriptedRunner {
  return new ScriptedRunner().on(["git", "version"], Reply.ok(`${version}\n`)).fallback(Reply.ok("ok\n"));
}
