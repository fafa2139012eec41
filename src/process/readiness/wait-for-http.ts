/**
 * `waitForHttp`: ready once a plain HTTP/1.1 GET of the URL answers with an accepted status
 * (default: any 2xx). No TLS, no redirects (a 3xx is just a status), no keep-alive: every
 * attempt opens and closes its own connection and never reads the body.
 */
import { request } from "node:http";
import type { Duration } from "../../command/duration.js";
import { InvalidInputError } from "../../errors.js";
import { type ProbeTarget, poll } from "./probe.js";

/** A status code, a list of them, or a predicate. Default: 200-299. */
export type StatusMatcher = number | readonly number[] | ((status: number) => boolean);

export interface WaitForHttpOptions {
  /** Which status means ready (default: any 2xx). */
  readonly status?: StatusMatcher;
  readonly within: Duration;
}

/** @internal */
export function checkUrl(url: unknown, program: string): URL {
  let parsed: URL;
  try {
    parsed = url instanceof URL ? url : new URL(String(url));
  } catch {
    throw new InvalidInputError("url", `waitForHttp: invalid URL ${JSON.stringify(String(url))}`, program);
  }
  if (parsed.protocol !== "http:") {
    throw new InvalidInputError(
      "url",
      `waitForHttp: only plain http: URLs are probed, got ${parsed.protocol}`,
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
): Promise<number> {
  const what = `GET ${url.href}`;
  return poll<number>(target, { what, withinMs }, async (signal) => {
    const status = await get(url, signal);
    if (accept(status)) return status;
    throw new Error(`status ${status}`);
  });
}

function get(url: URL, signal: AbortSignal): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const req = request(url, {
      method: "GET",
      agent: false,
      signal,
      headers: { connection: "close", "user-agent": "processkit-readiness" },
    });
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
