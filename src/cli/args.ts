/**
 * Command-line parsing on top of `node:util` `parseArgs`, with the CLI's own rules:
 * - options come first; `--` or the first argument that is not an option starts the
 *   program and its arguments (like `timeout`, `env`, `nice`), which are never parsed;
 * - repeatable flags (`--env K=V --env L=W`) collect into arrays;
 * - every mistake is a `UsageError` whose message is one line naming the flag (exit 125).
 *
 * `parseArgs` runs non-strict so that we can word the errors ourselves.
 */
import { parseArgs } from "node:util";
import { MAX_DURATION_MS, UNIT_MS } from "../command/duration.js";

export interface FlagSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
  readonly multiple?: boolean;
  /**
   * Validates one value (throws `UsageError`). Run on *every* occurrence while parsing, so a
   * bad value is an error even when a later occurrence overrides it (`--timeout=x --timeout 1s`).
   */
  readonly check?: (value: string, flag: string) => unknown;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** A mistake on the command line: the message is one line and names the flag (exit 125). */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** What follows the options: a program with its arguments, or plain operands (`batch FILE`). */
export type RestMode = "program" | "operands";

export class ParsedArgs {
  constructor(
    private readonly values: ReadonlyMap<string, string | boolean | string[]>,
    /** `program` mode: the program and its arguments; `operands` mode: the operands. */
    readonly rest: readonly string[],
  ) {}

  has(name: string): boolean {
    return this.values.has(name);
  }

  flag(name: string): boolean {
    return this.values.get(name) === true;
  }

  string(name: string): string | undefined {
    const value = this.values.get(name);
    if (Array.isArray(value)) return value[value.length - 1];
    return typeof value === "string" ? value : undefined;
  }

  strings(name: string): string[] {
    const value = this.values.get(name);
    if (Array.isArray(value)) return value;
    return typeof value === "string" ? [value] : [];
  }
}

const HELP: FlagSpecs = { help: { type: "boolean", short: "h" } };

/** Parses `argv` (the arguments after the subcommand) against `specs` (`--help`/`-h` is implied). */
export function parseCommandLine(argv: readonly string[], specs: FlagSpecs, mode: RestMode): ParsedArgs {
  const all: FlagSpecs = { ...HELP, ...specs };
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {};
  for (const [name, spec] of Object.entries(all)) {
    options[name] = spec.short === undefined ? { type: spec.type } : { type: spec.type, short: spec.short };
  }
  const { tokens } = parseArgs({
    args: [...argv],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });

  const values = new Map<string, string | boolean | string[]>();
  const operands: string[] = [];
  let restStart = argv.length;
  for (const token of tokens) {
    if (token.index >= restStart) break;
    if (token.kind === "option-terminator") {
      restStart = token.index + 1;
      if (mode === "operands") operands.push(...argv.slice(restStart));
      break;
    }
    if (token.kind === "positional") {
      if (mode === "program") {
        restStart = token.index;
        break;
      }
      operands.push(token.value);
      continue;
    }
    // parseArgs reports a known short option (-j) under its long name (jobs).
    const name = token.name;
    const spec = all[name];
    const shown = token.rawName;
    if (spec === undefined) {
      throw new UsageError(`unknown option ${shown}`);
    }
    if (spec.type === "boolean") {
      if (token.value !== undefined) throw new UsageError(`option ${shown} takes no value`);
      values.set(name, true);
      continue;
    }
    const value = token.value;
    if (value === undefined) throw new UsageError(`option ${shown} needs a value`);
    if (!token.inlineValue && value.startsWith("-") && value !== "-" && !/^-\d/.test(value)) {
      // `--timeout --json`: almost certainly a forgotten value, not a value that starts with "-".
      throw new UsageError(`option ${shown} needs a value (write ${shown}=${value} if that is the value)`);
    }
    spec.check?.(value, name);
    if (spec.multiple) {
      const list = values.get(name);
      values.set(name, Array.isArray(list) ? [...list, value] : [value]);
    } else {
      values.set(name, value);
    }
  }
  const rest = mode === "program" ? argv.slice(restStart) : operands;
  return new ParsedArgs(values, rest);
}

// ── value parsers: each names its flag in the error ─────────────────────────

const DURATION = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)?$/;

/**
 * A duration flag: "250ms", "1.5s", "2m", "1h", or a bare number of **seconds** (as in
 * coreutils `timeout` and `sleep`). Returns milliseconds.
 */
export function durationFlag(value: string, flag: string): number {
  const match = DURATION.exec(value.trim());
  if (match === null) {
    throw new UsageError(
      `--${flag}: invalid duration ${JSON.stringify(value)} (use seconds, or a unit: 250ms, 1.5s, 2m, 1h)`,
    );
  }
  const ms = Number(match[1]) * (UNIT_MS[match[2] ?? "s"] as number);
  if (!Number.isFinite(ms) || ms > MAX_DURATION_MS) {
    throw new UsageError(`--${flag}: duration ${JSON.stringify(value)} is longer than 10 years`);
  }
  return ms;
}

/** An integer flag with a lower bound. */
export function integerFlag(value: string, flag: string, min: number): number {
  const n = /^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`--${flag}: expected an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** A finite number flag, strictly above `above` when given. */
export function numberFlag(value: string, flag: string, above?: number): number {
  const n = value.trim() === "" ? Number.NaN : Number(value);
  if (!Number.isFinite(n) || (above !== undefined && n <= above)) {
    const bound = above === undefined ? "a number" : `a number > ${above}`;
    throw new UsageError(`--${flag}: expected ${bound}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** One of a fixed set of words. */
export function choiceFlag<T extends string>(value: string, flag: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${flag}: expected ${choices.join(", ")}; got ${JSON.stringify(value)}`);
}
