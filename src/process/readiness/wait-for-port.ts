/**
 * `waitForPort`: ready once a TCP connection to host:port succeeds (the connection is closed
 * at once; nothing is sent). The default host is `localhost`, tried over IPv6 and IPv4.
 */
import { connect } from "node:net";
import { InvalidInputError } from "../../errors.js";
import { type ProbeTarget, poll } from "./probe.js";

export type PortTarget = number | { readonly host?: string; readonly port: number };

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** @internal */
export function checkPort(target: unknown, program: string): HostPort {
  const spec = typeof target === "number" ? { port: target } : target;
  if (typeof spec !== "object" || spec === null) {
    throw new InvalidInputError(
      "port",
      `waitForPort: expected a port number or { host, port }, got ${String(target)}`,
      program,
    );
  }
  const { host = "localhost", port } = spec as { host?: unknown; port?: unknown };
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new InvalidInputError("port", `waitForPort: ${String(port)} is not a TCP port (1-65535)`, program);
  }
  if (typeof host !== "string" || host.length === 0) {
    throw new InvalidInputError("host", `waitForPort: host must be a non-empty string`, program);
  }
  return { host, port };
}

/** @internal */
export function waitForPort(target: ProbeTarget, address: HostPort, withinMs: number): Promise<void> {
  const what = `port ${address.host}:${address.port}`;
  return poll<true>(target, { what, withinMs }, (signal) => tryConnect(address, signal)).then(() => {});
}

function tryConnect(address: HostPort, signal: AbortSignal): Promise<true> {
  return new Promise<true>((resolve, reject) => {
    const socket = connect({ host: address.host, port: address.port });
    const onAbort = () => {
      socket.destroy();
      reject(new Error("aborted"));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    socket.once("connect", () => {
      signal.removeEventListener("abort", onAbort);
      socket.destroy();
      resolve(true);
    });
    socket.once("error", (error) => {
      signal.removeEventListener("abort", onAbort);
      socket.destroy();
      reject(error);
    });
  });
}
