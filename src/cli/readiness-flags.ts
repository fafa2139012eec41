/**
 * The readiness flags of `processkit with` (`--ready-port`, `--ready-line`, `--ready-http`,
 * `--ready-path`), each turned into a probe on the service's `RunningProcess`. `--ready-http`
 * takes http:// and https:// URLs; `--ready-self-signed` accepts a self-signed certificate
 * (the library's `acceptSelfSigned`), and only with an https:// URL, where it means something.
 */
import { NotReadyError, type RunningProcess } from "../index.js";
import { durationFlag, type FlagSpecs, type ParsedArgs, UsageError } from "./args.js";

export const READY_FLAGS: FlagSpecs = {
  "ready-port": { type: "string", check: (value) => parsePort(value) },
  "ready-line": { type: "string" },
  "ready-http": { type: "string", check: (value) => httpUrl(value) },
  "ready-path": { type: "string" },
  "ready-self-signed": { type: "boolean" },
  "ready-timeout": { type: "string", check: durationFlag },
};

export const READY_CONDITIONS = ["ready-port", "ready-line", "ready-http", "ready-path"] as const;

export interface Probe {
  wait(proc: RunningProcess, withinMs: number): Promise<unknown>;
}

export function readinessProbes(parsed: ParsedArgs): Probe[] {
  const probes: Probe[] = [];
  const port = parsed.string("ready-port");
  if (port !== undefined) {
    const target = parsePort(port);
    probes.push({ wait: (proc, within) => proc.waitForPort(target, within) });
  }
  const line = parsed.string("ready-line");
  if (line !== undefined) {
    if (line === "") throw new UsageError("--ready-line: expected some text to wait for");
    probes.push({ wait: (proc, within) => waitForEitherLine(proc, line, within) });
  }
  const http = parsed.string("ready-http");
  const selfSigned = parsed.flag("ready-self-signed");
  if (selfSigned && (http === undefined || httpUrl(http).protocol !== "https:"))
    throw new UsageError("--ready-self-signed: only with an https:// --ready-http URL");
  if (http !== undefined) {
    const url = httpUrl(http);
    const acceptSelfSigned = selfSigned;
    probes.push({ wait: (proc, within) => proc.waitForHttp(url, { within, acceptSelfSigned }) });
  }
  const path = parsed.string("ready-path");
  if (path !== undefined) {
    if (path === "") throw new UsageError("--ready-path: expected a path");
    probes.push({ wait: (proc, within) => proc.waitForPath(path, within) });
  }
  return probes;
}

function httpUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--ready-http: invalid URL ${JSON.stringify(text)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new UsageError(`--ready-http: expected an http:// or https:// URL, got ${url.protocol}`);
  return url;
}

function parsePort(text: string): number | { host: string; port: number } {
  const colon = text.lastIndexOf(":");
  const host = colon === -1 ? undefined : text.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
  const portText = colon === -1 ? text : text.slice(colon + 1);
  const port = /^\d+$/.test(portText) ? Number(portText) : Number.NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65_535 || host === "") {
    throw new UsageError(`--ready-port: expected PORT or HOST:PORT (1-65535), got ${JSON.stringify(text)}`);
  }
  return host === undefined ? port : { host, port };
}

/** A line containing `text` on stdout or on stderr, whichever comes first. */
function waitForEitherLine(proc: RunningProcess, text: string, withinMs: number): Promise<unknown> {
  const out = proc.waitForLine(text, withinMs);
  const err = proc.waitForStderrLine(text, withinMs);
  // The loser keeps waiting until its own deadline or the exit; its rejection is expected.
  out.catch(() => {});
  err.catch(() => {});
  return Promise.any([out, err]).catch((error: AggregateError) => {
    // Prefer the deadline error (it says "not ready within"); else the first one.
    const errors = error.errors as unknown[];
    throw errors.find((e) => e instanceof NotReadyError && e.timeoutMs !== undefined) ?? errors[0];
  });
}
