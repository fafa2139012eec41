/**
 * Strict input: unknown option keys, wrong types and out-of-range values are an
 * `InvalidInputError` naming the argument and the value, raised before anything is spawned;
 * signal names are checked against the platform's table (numbers are refused, naming the
 * signal they stand for here).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  Command,
  InvalidInputError,
  JobRunner,
  outputAll,
  ProcessGroup,
  StdinError,
  Supervisor,
} from "../../src/index.js";
import { Reply } from "../../src/testing/index.js";

const tmp = mkdtempSync(join(tmpdir(), "processkit-strict-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Rejects (or throws) with an InvalidInputError whose one-line message matches. */
async function invalid(action: () => unknown, message: RegExp): Promise<void> {
  let error: unknown;
  try {
    await action();
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(InvalidInputError);
  expect((error as Error).message).toMatch(message);
  expect((error as Error).message).not.toContain("\n");
}

describe("strict input", () => {
  it("a callback that is not a function is rejected before anything is spawned", async () => {
    const marker = join(tmp, "spawned");
    const cmd = new Command("sh", ["-c", `touch '${marker}'; echo x`]);
    await invalid(() => cmd.firstLine(1 as never), /firstLine\(predicate\): expected a function, got 1/);
    await invalid(() => cmd.parse("nope" as never), /parse\(fn\): expected a function, got "nope"/);
    await invalid(() => new JobRunner().firstLine(cmd, {} as never), /firstLine\(predicate\)/);
    expect(existsSync(marker)).toBe(false);
    await expect(cmd.firstLine()).resolves.toBe("x"); // positive control: this command does spawn
    expect(existsSync(marker)).toBe(true);
  });

  it("signal names and numbers are checked against the platform's table", async () => {
    const proc = await new Command("sleep", ["30"]).start();
    try {
      expect(() => proc.signal("SIGFOO" as NodeJS.Signals)).toThrow(InvalidInputError);
      expect(() => proc.signal(9999 as never)).toThrow(/unknown signal 9999/);
      proc.signal("SIGCONT"); // a real one is sent
    } finally {
      await proc.kill();
    }
    const group = await ProcessGroup.create();
    try {
      await invalid(() => group.signal("SIGTREM" as NodeJS.Signals), /signal: unknown signal "SIGTREM"/);
      // A number is refused, but the message says which signal it is here.
      await invalid(
        () => group.signal(15 as never),
        /expected a signal name, got the number 15 \(here: "SIGTERM"\)/,
      );
      const member = await group.start(new Command("sleep", ["30"]));
      await group.signal("SIGTERM"); // positive control: a real name is delivered
      expect((await member.finish()).outcome).toMatchObject({ kind: "signalled", signal: "SIGTERM" });
    } finally {
      await group.close();
    }
    expect(() => new Command("true").timeoutSignal("SIGNOPE" as NodeJS.Signals)).toThrow(/timeoutSignal/);
  });

  it("unknown option keys are rejected, naming the key", async () => {
    await invalid(
      () => ProcessGroup.create({ limit: { memoryMax: "1M" } } as never),
      /unknown option "limit"/,
    );
    await invalid(
      () => ProcessGroup.create({ limits: { memory: "1M" } } as never),
      /limits: unknown option "memory"/,
    );
    await invalid(
      () => outputAll([new Command("true")], { concurency: 2 } as never),
      /unknown option "concurency"/,
    );
    expect(() => new Command("true").retry({ atempts: 5 } as never)).toThrow(
      /retry: unknown option "atempts"/,
    );
    expect(() => new Command("true").outputLimit({ maxByte: 1, onOverflow: "error" } as never)).toThrow(
      /outputLimit: unknown option "maxByte"/,
    );
    expect(() => new Command("true").stdout({ file: "/dev/null", apend: true } as never)).toThrow(
      /stdout: unknown option "apend"/,
    );
    expect(() => new JobRunner({ mechansim: "process-group" } as never)).toThrow(/JobRunner: unknown option/);
    const proc = await new Command("sleep", ["30"]).start();
    try {
      await invalid(() => proc.shutdown({ gracee: "1s" } as never), /shutdown: unknown option "gracee"/);
    } finally {
      await proc.kill();
    }
    await invalid(
      () => new Supervisor(new Command("true")).run({ cancel: 1 } as never),
      /run: unknown option/,
    );
    expect(() => Reply.lines(["a"], { dealy: "1s" } as never)).toThrow(
      /Reply\.lines: unknown option "dealy"/,
    );
  });

  it("wrong types are rejected: booleans, option objects", async () => {
    const group = await ProcessGroup.create();
    try {
      await invalid(
        () => group.shutdown({ escalate: "no" } as never),
        /shutdown\.escalate: expected true or false, got "no"/,
      );
      await invalid(() => group.shutdown([] as never), /shutdown: expected an object, got an array/);
    } finally {
      await group.close();
    }
    expect(() => new Command("true").retry({ jitter: "yes" } as never)).toThrow(/retry\.jitter/);
    expect(() => new Command("true").stdout({ file: "/dev/null", append: 1 } as never)).toThrow(
      /stdout\.append/,
    );
  });

  it("stdin arrays hold strings or bytes only; a lazy iterable yielding anything else fails the feed", async () => {
    expect(() => new Command("cat").stdin([1, Number.NaN, {}] as never)).toThrow(
      /stdin\[0\]: expected a string or a Uint8Array, got 1/,
    );
    expect(() => new Command("cat").stdin(new Set(["a", null]) as never)).toThrow(/stdin\[1\]/);
    const bytes = new TextEncoder().encode("raw");
    expect(await new Command("cat").stdin(["a", bytes] as never).run()).toBe("a\nraw");
    function* lazy(): Generator<unknown> {
      yield "ok";
      yield {};
    }
    const error = await new Command("cat")
      .stdin(lazy() as never)
      .output()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StdinError);
    expect((error as Error).message).toMatch(/stdin yielded object, not a string or a Uint8Array/);
  });
});
