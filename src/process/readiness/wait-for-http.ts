/**
 * `waitForHttp`: ready once an HTTP/1.1 GET of the URL answers with an accepted status
 * (default: any 2xx). `http:` or `https:` (certificates verified unless `acceptSelfSigned`),
 * over TCP or a Unix socket (`socketPath`; the URL then gives the path and Host header). No
 * redirects (a 3xx is just a status), no keep-alive: every attempt opens and closes its own
 * connection and never reads the body.
 */
import { request as httpRequest, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Duration } from "../../command/duration.js";
import { InvalidInputError } from "../../errors.js";
import { type ProbeTarget, poll } from "./probe.js";

/** A status code, a list of them, or a predicate. Default: 200-299. */
export type StatusMatcher = number | readonly number[] | ((status: number) => boolean);

export interface WaitForHttpOptions {
  /** Which status means ready (default: any 2xx). */
  readonly status?: StatusMatcher;
  readonly within: Duration;
  /** `https:` only: accept any certificate, e.g. a dev server's self-signed one (verification is off for this probe). */
  readonly acceptSelfSigned?: boolean;
  /** Connect to this Unix domain socket instead of the URL's host and port. */
  readonly socketPath?: string;
}

/** @internal How to connect, checked. */
export interface HttpConnect {
  readonly acceptSelfSigned: boolean;
  readonly socketPath: string | undefined;
}

const OPTION_KEYS = new Set(["status", "within", "acceptSelfSigned", "socketPath"]);

/** @internal */
export function checkConnect(options: unknown, program: string): HttpConnect {
  if (typeof options !== "object" || options === null) {
    throw new InvalidInputError("options", "waitForHttp: options must be an object ({ within })", program);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key))
      throw new InvalidInputError(key, `waitForHttp: unknown option ${key}`, program);
  }
  const { acceptSelfSigned, socketPath } = options as { acceptSelfSigned?: unknown; socketPath?: unknown };
  if (acceptSelfSigned !== undefined && typeof acceptSelfSigned !== "boolean") {
    throw new InvalidInputError(
      "acceptSelfSigned",
      "waitForHttp: acceptSelfSigned must be a boolean",
      program,
    );
  }
  if (
    socketPath !== undefined &&
    (typeof socketPath !== "string" || socketPath.length === 0 || socketPath.includes("\0"))
  ) {
    throw new InvalidInputError("socketPath", "waitForHttp: socketPath must be a non-empty path", program);
  }
  return { acceptSelfSigned: acceptSelfSigned === true, socketPath: socketPath as string | undefined };
}

/** @internal */
export function checkUrl(url: unknown, program: string): URL {
  let parsed: URL;
  try {
    parsed = url instanceof URL ? url : new URL(String(url));
  } catch {
    throw new InvalidInputError("url", `waitForHttp: invalid URL ${JSON.stringify(String(url))}`, program);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new InvalidInputError(
      "url",
      `waitForHttp: only http: and https: URLs are probed, got ${parsed.protocol}`,
      program,
    );
  }
  return parsed;
}

/** @internal */
export function checkStatus(status: unknown, program: string): (code: number) => boolean {
  if (status === undefined) return (code) => code >= 200 && code <= 299;
  if (typeof status === "number" && Number.isInteger(status)) return (code) => code === status;
  if (Array.isArray(status) && status.every((s) => typeof s === "number" && Number.isInteger(s))) {
    const set = new Set<number>(status);
    return (code) => set.has(code);
  }
  if (typeof status === "function") return (code) => Boolean((status as (code: number) => unknown)(code));
  throw new InvalidInputError(
    "status",
    "waitForHttp: status must be a status code, an array of them, or a predicate",
    program,
  );
}

/** @internal */
export function waitForHttp(
  target: ProbeTarget,
  url: URL,
  accept: (status: number) => boolean,
  withinMs: number,
  connect: HttpConnect = { acceptSelfSigned: false, socketPath: undefined },
): Promise<number> {
  const what = `GET ${url.href}${connect.socketPath === undefined ? "" : ` via ${connect.socketPath}`}`;
  return poll<number>(target, { what, withinMs }, async (signal) => {
    const status = await get(url, signal, connect);
    if (accept(status)) return status;
    throw new Error(`status ${status}`);
  });
}

function get(url: URL, signal: AbortSignal, connect: HttpConnect): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const https = url.protocol === "https:";
    const options: RequestOptions & { rejectUnauthorized?: boolean } = {
      method: "GET",
      agent: false,
      signal,
      headers: { connection: "close", "user-agent": "processkit-readiness" },
    };
    if (connect.socketPath !== undefined) options.socketPath = connect.socketPath;
    if (https && connect.acceptSelfSigned) options.rejectUnauthorized = false;
    const req = (https ? httpsRequest : httpRequest)(url, options);
    req.once("response", (res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      req.destroy();
      resolve(status);
    });
    req.once("error", reject);
    req.end();
  });
}
