/**
 * Part 4, property-based fuzz (fast-check) of the public entry points and the CLI's flags.
 * Every call either succeeds with input that makes sense or fails with a typed error
 * (`InvalidInputError`, or a `ProcessError` for a run that started); an untyped error, a
 * nonsense value accepted, a crash or an unhandled rejection is a failure. The CLI: every bad
 * flag value exits 125 with one line on stderr, every good one is not a usage error.
 */
import { spawnSync } from "node:child_process";
import { constants } from "node:os";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { FULL, SEED, trials } from "./support/level.js";
import { lib } from "./support/library.js";
import { CLI } from "./support/owners.js";
import { printTable } from "./support/table.js";

const { Command, JobRunner, ProcessGroup, outputAll, InvalidInputError, ProcessError, parseDuration } = lib;

const RUNS = trials(300, 40);
const SIGNAL_NAMES = new Set(Object.keys(constants.signals));

const rejections: unknown[] = [];
process.on("unhandledRejection", (reason) => rejections.push(reason));

type Verdict = "accepted" | "typed" | "untyped";
interface Row {
  target: string;
  calls: number;
  accepted: number;
  typed: number;
  untyped: string[];
  nonsense: string[];
}
const rows = new Map<string, Row>();
function row(target: string): Row {
  let r = rows.get(target);
  if (r === undefined) {
    r = { target, calls: 0, accepted: 0, typed: 0, untyped: [], nonsense: [] };
    rows.set(target, r);
  }
  return r;
}

const show = (value: unknown): string => {
  try {
    return fc.stringify(value).slice(0, 80);
  } catch {
    return typeof value;
  }
};

/** Runs `call`, classifies the result, and records it under `target`; `sensible` says whether acceptance is right. */
async function judge(
  target: string,
  input: unknown,
  sensible: boolean,
  call: () => unknown,
): Promise<Verdict> {
  const r = row(target);
  r.calls++;
  let verdict: Verdict;
  try {
    await call();
    verdict = "accepted";
  } catch (error) {
    const typed = error instanceof InvalidInputError || error instanceof ProcessError;
    verdict = typed ? "typed" : "untyped";
    if (typed && (error as Error).message.includes("\n"))
      r.untyped.push(`${show(input)}: multi-line message`);
    if (!typed) r.untyped.push(`${show(input)}: ${String(error).slice(0, 120)}`);
  }
  if (verdict === "accepted") {
    r.accepted++;
    if (!sensible) r.nonsense.push(show(input));
  } else if (verdict === "typed") r.typed++;
  return verdict;
}

/** The documented bound: a duration longer than 10 years is refused, not accepted. */
const TEN_YEARS_MS = 10 * 365 * 24 * 3_600_000;
const UNIT: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
/** Milliseconds of a well-formed duration string (`bare` is the unit of a bare number), or undefined. */
function durationMs(v: string, bare: string | undefined): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h)?\s*$/.exec(v);
  const unit = m?.[2] ?? bare;
  return m === null || unit === undefined ? undefined : Number(m[1]) * (UNIT[unit] as number);
}
const isDuration = (v: unknown): boolean =>
  (typeof v === "number" && Number.isFinite(v) && v >= 0 && v <= TEN_YEARS_MS) ||
  (typeof v === "string" && (durationMs(v, undefined) ?? Number.POSITIVE_INFINITY) <= TEN_YEARS_MS);
/** A CLI duration flag: a bare number means seconds; no spaces inside. */
const isFlagDuration = (v: string): boolean =>
  /^(\d+(\.\d+)?|\.\d+)(ms|s|m|h)?$/.test(v.trim()) &&
  (durationMs(v, "s") ?? Number.POSITIVE_INFINITY) <= TEN_YEARS_MS;

afterAll(() => {
  printTable(
    `fuzz (${FULL ? "full" : "reduced"} run, seed ${SEED}, ${RUNS} runs per property)`,
    ["entry point", "calls", "accepted", "typed errors", "untyped errors", "nonsense accepted"],
    [...rows.values()].map((r) => [
      r.target,
      r.calls,
      r.accepted,
      r.typed,
      r.untyped.length,
      r.nonsense.length,
    ]),
  );
  const bad = [...rows.values()].filter((r) => r.untyped.length + r.nonsense.length > 0);
  for (const r of bad)
    console.log(
      `fuzz ${r.target} (seed ${SEED}): untyped ${JSON.stringify(r.untyped.slice(0, 3))} nonsense ${JSON.stringify(r.nonsense.slice(0, 3))}`,
    );
});

const anything = fc.anything({
  withBigInt: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withTypedArray: true,
});
const params = { numRuns: RUNS, seed: SEED };

describe("fuzz: the builder, synchronously", () => {
  const builders: ReadonlyArray<
    readonly [string, (c: InstanceType<typeof Command>, v: never) => unknown, (v: unknown) => boolean]
  > = [
    [
      "Command(program)",
      (_c, v) => new Command(v),
      (v) => typeof v === "string" && v !== "" && !v.includes("\0"),
    ],
    ["arg", (c, v) => c.arg(v), (v) => typeof v === "string" && !v.includes("\0")],
    ["cwd", (c, v) => c.cwd(v), (v) => typeof v === "string" && v !== "" && !v.includes("\0")],
    ["timeout", (c, v) => c.timeout(v), isDuration],
    ["timeoutGrace", (c, v) => c.timeoutGrace(v), isDuration],
    ["inactivityTimeout", (c, v) => c.inactivityTimeout(v), isDuration],
    ["timeoutSignal", (c, v) => c.timeoutSignal(v), (v) => typeof v === "string" && SIGNAL_NAMES.has(v)],
    ["uid", (c, v) => c.uid(v), (v) => Number.isSafeInteger(v) && (v as number) >= 0],
    ["onStdoutLine", (c, v) => c.onStdoutLine(v), (v) => typeof v === "function"],
    [
      "okCodes",
      (c, v) => c.okCodes(v),
      (v) => Array.isArray(v) && v.every((n) => Number.isInteger(n) && n >= 0 && n <= 255),
    ],
    [
      "retry",
      (c, v) => c.retry(v),
      (v) =>
        v === undefined ||
        (typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0),
    ],
    ["outputLimit", (c, v) => c.outputLimit(v), () => false],
    [
      "stdin",
      (c, v) => c.stdin(v),
      (v) =>
        typeof v === "string" ||
        v instanceof Uint8Array ||
        (Array.isArray(v) && v.every((x) => typeof x === "string" || x instanceof Uint8Array)) ||
        (v instanceof Set && [...v].every((x) => typeof x === "string" || x instanceof Uint8Array)),
    ],
    ["parseDuration", (_c, v) => parseDuration(v, "duration"), isDuration],
  ];
  for (const [name, call, sensible] of builders) {
    it(`${name}: typed errors only, nothing nonsensical accepted`, async () => {
      const base = new Command("true");
      await fc.assert(
        fc.asyncProperty(anything, async (value) => {
          await judge(name, value, sensible(value), () => call(base, value as never));
        }),
        params,
      );
      expect(row(name).untyped).toEqual([]);
      expect(row(name).nonsense).toEqual([]);
    });
  }
});

describe("fuzz: option objects and signals, before anything runs", () => {
  const key = fc.string({ minLength: 1, maxLength: 12 });
  const known: Record<string, readonly string[]> = {
    "ProcessGroup.create": ["mechanism", "limits"],
    "group.shutdown": ["grace", "signal", "escalate"],
    outputAll: ["concurrency", "runner", "cancelSignal"],
    JobRunner: ["mechanism"],
    retry: ["attempts", "delay", "factor", "maxDelay", "jitter", "retryOn"],
  };
  it("an options object with an unknown key is always rejected", async () => {
    const group = await ProcessGroup.create();
    try {
      const calls: Record<string, (options: never) => unknown> = {
        "ProcessGroup.create": (o) => ProcessGroup.create(o).then((g) => g.close()),
        "group.shutdown": (o) => group.shutdown(o),
        outputAll: (o) => outputAll([], o),
        JobRunner: (o) => new JobRunner(o),
        retry: (o) => new Command("true").retry(o),
      };
      for (const [target, call] of Object.entries(calls)) {
        await fc.assert(
          fc.asyncProperty(fc.dictionary(key, anything, { minKeys: 1, maxKeys: 3 }), async (options) => {
            const unknownKey = Object.keys(options).some(
              (k) => !(known[target] as readonly string[]).includes(k),
            );
            fc.pre(unknownKey);
            await judge(`${target} (unknown key)`, options, false, () => call(options as never));
          }),
          params,
        );
        expect(row(`${target} (unknown key)`).untyped).toEqual([]);
        expect(row(`${target} (unknown key)`).nonsense).toEqual([]);
      }
    } finally {
      await group.close();
    }
  });

  it("signals: only the platform's names are accepted", async () => {
    const group = await ProcessGroup.create(); // empty: a valid signal reaches nobody
    try {
      const candidate = fc.oneof(
        fc.constantFrom(...SIGNAL_NAMES),
        fc.string(),
        fc.integer({ min: -5, max: 80 }),
        anything,
      );
      await fc.assert(
        fc.asyncProperty(candidate, async (signal) => {
          const sensible = typeof signal === "string" && SIGNAL_NAMES.has(signal); // names only
          await judge("group.signal", signal, sensible, () => group.signal(signal as never));
        }),
        params,
      );
    } finally {
      await group.close();
    }
    expect(row("group.signal").untyped).toEqual([]);
    expect(row("group.signal").nonsense).toEqual([]);
  });

  it("verbs with a callback: a non-function is rejected before anything is spawned", async () => {
    const cmd = new Command("sh", ["-c", "echo spawned"]);
    await fc.assert(
      fc.asyncProperty(anything, async (value) => {
        fc.pre(typeof value !== "function" && value !== undefined);
        await judge("firstLine(predicate)", value, false, () => cmd.firstLine(value as never));
        await judge("parse(fn)", value, false, () => cmd.parse(value as never));
      }),
      params,
    );
    expect(row("firstLine(predicate)").nonsense).toEqual([]);
    expect(row("parse(fn)").nonsense).toEqual([]);
  });
});

describe("fuzz: CLI flags", () => {
  const FLAGS: ReadonlyArray<readonly [string, string, (v: string) => boolean]> = [
    ["run", "--timeout", isFlagDuration],
    ["run", "--grace", isFlagDuration],
    [
      "run",
      "--max-processes",
      (v) => /^\d+$/.test(v.trim()) && Number(v) >= 1 && Number.isSafeInteger(Number(v)),
    ],
    ["batch", "--jobs", (v) => /^\d+$/.test(v.trim()) && Number(v) >= 1 && Number.isSafeInteger(Number(v))],
  ];
  const value = fc.oneof(
    fc.constantFrom(
      "1s",
      "250ms",
      "2",
      "0",
      "-1",
      "abc",
      "",
      " ",
      "1e3",
      "1.5m",
      "99999999999999999999h",
      "1x",
      "0x10",
    ),
    fc.string({ maxLength: 8 }).filter((s) => !s.startsWith("-") && !s.includes("\0")),
  );
  it("every bad value → 125 with one line; a good one is never a usage error", () => {
    const cliRuns = trials(120, 16);
    fc.assert(
      fc.property(fc.constantFrom(...FLAGS), value, value, ([command, flag, valid], first, second) => {
        const target = `cli ${command} ${flag}`;
        const r = row(target);
        r.calls++;
        // Both occurrences are validated; the last one wins.
        const argv =
          command === "batch"
            ? [CLI, command, `${flag}=${first}`, `${flag}=${second}`, "/dev/null"]
            : [CLI, command, `${flag}=${first}`, `${flag}=${second}`, "--", "true"];
        const out = spawnSync(process.execPath, argv, {
          encoding: "utf8",
          env: { ...process.env, PROCESSKIT_MECHANISM: "process-group" },
        });
        const good = valid(first) && valid(second);
        const lines = out.stderr.trim().split("\n").filter(Boolean);
        if (out.status === 125) {
          r.typed++;
          if (good)
            r.untyped.push(`${flag}=${first} ${flag}=${second}: a good value refused: ${lines[0] ?? ""}`);
          if (lines.length !== 1 || !lines[0]?.includes(flag))
            r.untyped.push(`${flag}=${first}/${second}: ${lines.length} lines`);
        } else {
          r.accepted++;
          if (!good)
            r.nonsense.push(
              `${flag}=${JSON.stringify(first)} ${flag}=${JSON.stringify(second)} → ${out.status}`,
            );
          if (out.status !== 0)
            r.untyped.push(`${flag}=${first}/${second}: exit ${out.status} ${lines[0] ?? ""}`);
        }
      }),
      { numRuns: cliRuns, seed: SEED },
    );
    for (const [command, flag] of FLAGS) {
      expect(row(`cli ${command} ${flag}`).untyped).toEqual([]);
      expect(row(`cli ${command} ${flag}`).nonsense).toEqual([]);
    }
  }, 600_000);

  it("no unhandled rejection anywhere in the fuzz", () => {
    expect(rejections).toEqual([]);
  });
});
