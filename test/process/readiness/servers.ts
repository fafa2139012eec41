/** Real server children for the readiness tests (plain `node -e`, no fixtures on disk). */
import { createServer } from "node:net";
import type { Command } from "../../../src/index.js";
import { node } from "../../helpers/scripts.js";

export interface ServerOptions {
  /** Delay before listening, in ms. */
  readonly listenAfterMs?: number;
  /** Status for GET /health until this many ms after listening, then 200. Default: 200 at once. */
  readonly unhealthyForMs?: number;
  /** Status to answer while unhealthy (default 503), or forever when `unhealthyForMs` is -1. */
  readonly unhealthyStatus?: number;
  /** Bytes written to stdout and stderr before listening (proves the pipes drain while we wait). */
  readonly noiseBytes?: number;
}

/**
 * An HTTP server on 127.0.0.1, port 0 (the kernel picks a free one), that prints
 * `listening <port>` once it accepts connections and answers GET /health.
 */
export function httpServer(options: ServerOptions = {}): Command {
  const { listenAfterMs = 0, unhealthyForMs = 0, unhealthyStatus = 503, noiseBytes = 0 } = options;
  return node(`
    const http = require("node:http");
    const noise = "x".repeat(99) + "\\n";
    let flushing = 0;
    // Listen only once the kernel took every byte: if nobody drained the pipes, never.
    const flushed = () => { if (--flushing === 0) listen(); };
    for (let i = 0; i < ${Math.ceil(noiseBytes / 100)}; i++) {
      flushing += 2;
      process.stdout.write(noise, flushed);
      process.stderr.write(noise, flushed);
    }
    let healthyAt = Infinity;
    const server = http.createServer((req, res) => {
      const healthy = ${unhealthyForMs} >= 0 && Date.now() >= healthyAt;
      res.writeHead(req.url === "/health" ? (healthy ? 200 : ${unhealthyStatus}) : 404, { "content-type": "text/plain" });
      res.end(healthy ? "ok" : "not yet");
    });
    function listen() {
      setTimeout(() => server.listen(0, "127.0.0.1", () => {
        healthyAt = Date.now() + ${unhealthyForMs};
        console.log("listening " + server.address().port);
      }), ${listenAfterMs});
    }
    if (flushing === 0) listen();
  `);
}

export function portOf(line: string): number {
  const port = Number(line.split(" ")[1]);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`no port in ${JSON.stringify(line)}`);
  return port;
}

/** A port nothing listens on (bound by us, then closed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
