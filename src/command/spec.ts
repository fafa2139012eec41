/**
 * The plain data behind a `Command`. Internal: runners read it through `specOf(cmd)`;
 * users only ever see the builder. Everything here is validated and frozen.
 */
import type { Readable } from "node:stream";

/** What the child reads on stdin. Normalised from the builder's `StdinSource` once, at the builder call. */
export type StdinSpec =
  | { readonly kind: "closed" }
  | { readonly kind: "inherit" }
  | { readonly kind: "ignore" }
  | { readonly kind: "interactive" }
  | { readonly kind: "bytes"; readonly data: Uint8Array }
  | { readonly kind: "file"; readonly path: string }
  | { readonly kind: "lines"; readonly lines: Iterable<string>; readonly oneShot: boolean }
  | { readonly kind: "async"; readonly source: AsyncIterable<string | Uint8Array>; readonly oneShot: true }
  | { readonly kind: "readable"; readonly stream: Readable; readonly oneShot: true };

import type { LineHandler, OutputMode, OverflowPolicy } from "./output-options.js";
import { type LineRulesSpec, type OutputTargetSpec, PLAIN_LINES } from "./stream-options.js";

export type { LineHandler, LineRulesSpec, OutputMode, OutputTargetSpec, OverflowPolicy };

export interface OutputLimitSpec {
  readonly maxBytes: number | undefined;
  readonly maxLines: number | undefined;
  readonly onOverflow: OverflowPolicy;
}

/** How the child's environment is built at spawn time: base, then overrides (undefined = remove). */
export type EnvBase =
  | { readonly kind: "inherit" }
  | { readonly kind: "clear" }
  | { readonly kind: "only"; readonly names: readonly string[] };

export interface RetrySpec {
  readonly attempts: number;
  readonly delayMs: number;
  readonly factor: number;
  readonly maxDelayMs: number;
  readonly jitter: boolean;
  readonly retryOn: ((error: unknown) => boolean) | undefined;
}

export interface CommandSpec {
  readonly program: string;
  readonly args: readonly string[];
  readonly cwd: string | undefined;
  readonly envBase: EnvBase;
  readonly envOverrides: ReadonlyMap<string, string | undefined>;
  readonly stdin: StdinSpec;
  readonly stdout: OutputMode;
  readonly stderr: OutputMode;
  readonly encoding: string;
  readonly outputLimit: OutputLimitSpec | undefined;
  readonly stdoutLineHandlers: readonly LineHandler[];
  readonly stderrLineHandlers: readonly LineHandler[];
  readonly okCodes: readonly number[];
  readonly timeoutMs: number | undefined;
  readonly timeoutGraceMs: number;
  readonly timeoutSignal: NodeJS.Signals;
  readonly inactivityTimeoutMs: number | undefined;
  readonly cancelSignal: AbortSignal | undefined;
  readonly retry: RetrySpec | undefined;
  readonly uid: number | undefined;
  readonly gid: number | undefined;
  readonly uncheckedInPipe: boolean;
  /** Raw stdout/stderr bytes also (or only) go to a Node `Writable`. */
  readonly stdoutTarget: OutputTargetSpec | undefined;
  readonly stderrTarget: OutputTargetSpec | undefined;
  /** `2>&1` at the fd level: the child's stderr is its stdout pipe. */
  readonly stderrToStdout: boolean;
  /** Keep an interleaved capture of both streams (`result.all`). */
  readonly captureAll: boolean;
  /** Look in `node_modules/.bin` from the cwd upwards before PATH. */
  readonly preferLocal: boolean;
  readonly stdoutLineRules: LineRulesSpec;
  readonly stderrLineRules: LineRulesSpec;
}

export const SPEC: unique symbol = Symbol("processkit.command.spec");

export const DEFAULT_SPEC: Omit<CommandSpec, "program" | "args"> = Object.freeze({
  cwd: undefined,
  envBase: Object.freeze({ kind: "inherit" }) as EnvBase,
  envOverrides: new Map<string, string | undefined>(),
  stdin: Object.freeze({ kind: "closed" }) as StdinSpec,
  stdout: "pipe",
  stderr: "pipe",
  encoding: "utf-8",
  outputLimit: undefined,
  stdoutLineHandlers: Object.freeze([]) as readonly LineHandler[],
  stderrLineHandlers: Object.freeze([]) as readonly LineHandler[],
  okCodes: Object.freeze([0]) as readonly number[],
  timeoutMs: undefined,
  timeoutGraceMs: 0,
  timeoutSignal: "SIGTERM",
  inactivityTimeoutMs: undefined,
  cancelSignal: undefined,
  retry: undefined,
  uid: undefined,
  gid: undefined,
  uncheckedInPipe: false,
  stdoutTarget: undefined,
  stderrTarget: undefined,
  stderrToStdout: false,
  captureAll: false,
  preferLocal: false,
  stdoutLineRules: PLAIN_LINES,
  stderrLineRules: PLAIN_LINES,
});
