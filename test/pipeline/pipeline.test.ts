import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { CancelledError, Command, ExitError, JobRunner, Pipeline, TimeoutError } from "../../src/index.js";
import { isAlive, killPids, waitDead } from "../helpers/procs.js";
import { node } from "../helpers/scripts.js";

const created: number[] = [];
afterEach(() => killPids(created.splice(0)));

/** A producer that prints its pid, then writes nothing for minutes: only teardown can end it early. */
const quietProducer = () => node("console.log(process.pid); setInterval(() => {}, 1000)");
const upper = () => node("process.stdin.on('data', (d) => process.stdout.write(d.toString().toUpperCase()))");

describe.each(["cgroup-v2", "process-group"] as const)("pipelines (%s)", (mechanism) => {
  const runner = new JobRunner({ mechanism });
  /** Every pipeline of this block runs with the block's mechanism. */
  const chain = (first: Command, second: Command, ...more: Command[]): Pipeline =>
    more.reduce((p: Pipeline, c) => p.pipe(c), first.pipe(second)).withRunner(runner);

  it("uses the mechanism it was given", async () => {
    const proc = await chain(new Command("true"), new Command("cat")).start();
    expect(proc.mechanism).toBe(mechanism);
    await proc.finish();
  });

  it("2 stages: stdout of the first is the stdin of the second", async () => {
    const out = await chain(new Command("printf", ["b\\na\\nc\\n"]), new Command("sort")).run();
    expect(out).toBe("a\nb\nc");
  });

  it("3 stages", async () => {
    const pipeline = chain(new Command("printf", ["b\\na\\n"]), new Command("sort"), upper());
    expect(pipeline).toBeInstanceOf(Pipeline);
    expect(pipeline.stages).toHaveLength(3);
    expect(await pipeline.run()).toBe("A\nB");
  });

  it("stdin goes into the first stage", async () => {
    const result = await chain(new Command("cat").stdin("hello\n"), upper()).output();
    expect(result.stdout).toBe("HELLO\n");
    expect(result.isSuccess).toBe(true);
  });

  it("binary data passes through 3 stages byte-exact", async () => {
    const size = 3 * 1024 * 1024 + 17;
    const producer = node(
      `const b = Buffer.alloc(${size}); for (let i = 0; i < b.length; i++) b[i] = (i * 7919 + (i >> 8)) & 255; process.stdout.write(b)`,
    );
    const expected = Buffer.alloc(size);
    for (let i = 0; i < size; i++) expected[i] = (i * 7919 + (i >> 8)) & 255;
    const result = await chain(producer, new Command("cat"), new Command("cat")).outputBytes();
    expect(result.stdout.byteLength).toBe(size);
    expect(createHash("sha256").update(result.stdout).digest("hex")).toBe(
      createHash("sha256").update(expected).digest("hex"),
    );
  });

  it.each([0, 1, 2])(
    "pipefail blames a failure in position %i with its code, stderr and program",
    async (position) => {
      const fail = node(
        "process.stdin.resume(); process.stdin.on('end', () => { console.error('stage failed here'); process.exit(7) })",
      );
      const pass = new Command("cat");
      const stages = [0, 1, 2].map((i) => (i === position ? fail : pass));
      const pipeline = chain(new Command("printf", ["x\\n"]), stages[0] as Command, ...stages.slice(1));
      const result = await pipeline.output();
      expect(result.exitCode).toBe(7);
      expect(result.program).toBe(process.execPath);
      expect(result.stderr).toContain("stage failed here");
      await expect(pipeline.run()).rejects.toBeInstanceOf(ExitError);
    },
  );

  it("a failing middle stage tears down a producer that would run for minutes", async () => {
    let producerPid = 0;
    const producer = quietProducer().onStdoutLine(() => {});
    const probe = await runner.start(quietProducer());
    // Positive control: the same producer stays alive on its own.
    const [controlPid] = [probe.pid as number];
    created.push(controlPid);
    await new Promise((r) => setTimeout(r, 200));
    expect(isAlive(controlPid)).toBe(true);
    await probe.kill();

    const middle = node("setTimeout(() => { console.error('middle broke'); process.exit(3) }, 300)");
    const started = Date.now();
    const run = chain(producer, middle, new Command("cat")).start();
    const proc = await run;
    producerPid = proc.pids[0] as number;
    created.push(producerPid);
    expect(isAlive(producerPid)).toBe(true);
    const finished = await proc.finish();
    expect(finished.outcome).toEqual({ kind: "exited", code: 3 });
    expect(finished.stderr).toContain("middle broke");
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(await waitDead(producerPid, 2_000)).toBe(true);
  });

  it("yes | head -1 succeeds with yes unchecked and fails without", async () => {
    const unchecked = await chain(new Command("yes").uncheckedInPipe(), new Command("head", ["-1"])).output();
    expect(unchecked.isSuccess).toBe(true);
    expect(unchecked.stdout).toBe("y\n");
    const checked = await chain(new Command("yes"), new Command("head", ["-1"])).output();
    expect(checked.isSuccess).toBe(false);
    expect(checked.program).toBe("yes");
    expect(checked.signal).toBe("SIGPIPE");
  });

  it("a chain timeout kills every stage and reports timed-out", async () => {
    const proc = await chain(quietProducer(), quietProducer()).timeout("500ms").start();
    const pids = proc.pids as number[];
    created.push(...pids);
    for (const pid of pids) expect(isAlive(pid)).toBe(true);
    const result = await proc.output();
    expect(result.timedOut).toBe(true);
    for (const pid of pids) expect(await waitDead(pid, 2_000)).toBe(true);
    await expect(chain(quietProducer(), new Command("cat")).timeout("300ms").run()).rejects.toBeInstanceOf(
      TimeoutError,
    );
  });

  it("a per-stage timeout is reported as that stage's own deadline", async () => {
    const result = await chain(
      new Command("printf", ["x\\n"]),
      quietProducer().timeout("400ms"),
      new Command("cat"),
    ).output();
    expect(result.outcome).toEqual({ kind: "timed-out" });
    expect(result.program).toBe(process.execPath);
  });

  it("cancel kills every stage and rejects with CancelledError", async () => {
    const controller = new AbortController();
    const proc = await chain(quietProducer(), new Command("cat")).cancelOn(controller.signal).start();
    const pids = proc.pids as number[];
    created.push(...pids);
    for (const pid of pids) expect(isAlive(pid)).toBe(true);
    controller.abort(new Error("stop"));
    await expect(proc.output()).rejects.toBeInstanceOf(CancelledError);
    for (const pid of pids) expect(await waitDead(pid, 2_000)).toBe(true);
  });

  it("an already-aborted chain spawns nothing", async () => {
    const error = await chain(new Command("definitely-not-a-program-xyz"), new Command("cat"))
      .cancelOn(AbortSignal.abort("early"))
      .output()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
  });

  it("a missing program in any stage is a typed error and nothing is left running", async () => {
    await expect(
      chain(quietProducer(), new Command("definitely-not-a-program-xyz")).output(),
    ).rejects.toMatchObject({
      reason: "not-found",
    });
  });
});
