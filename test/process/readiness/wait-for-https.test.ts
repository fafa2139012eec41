/** waitForHttp over https: with a self-signed certificate, and over a Unix socket (issue 15). */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { NotReadyError } from "../../../src/index.js";
import { selfSignedCertificate } from "../../helpers/certificate.js";
import { isAlive } from "../../helpers/procs.js";
import { node } from "../../helpers/scripts.js";
import { portOf } from "./servers.js";

const dir = mkdtempSync(join(tmpdir(), "pk-https-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const { key, cert } = selfSignedCertificate(dir);

function httpsServer() {
  return node(`
    const https = require("node:https");
    const fs = require("node:fs");
    const server = https.createServer(
      { key: fs.readFileSync(${JSON.stringify(key)}), cert: fs.readFileSync(${JSON.stringify(cert)}) },
      (req, res) => { res.writeHead(req.url === "/health" ? 200 : 404); res.end("ok"); },
    );
    server.listen(0, "127.0.0.1", () => console.log("listening " + server.address().port));
  `);
}

describe("waitForHttp over https:", () => {
  it("accepts a self-signed certificate only when asked to", async () => {
    await using server = await httpsServer().start();
    const port = portOf(await server.waitForLine(/^listening /, "20s"));
    const url = `https://127.0.0.1:${port}/health`;
    // Verified by default: a self-signed certificate never becomes ready.
    const refused = await server.waitForHttp(url, { within: "600ms" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(NotReadyError);
    expect((refused as Error).message).toMatch(/self[- ]signed/i);
    expect(await server.waitForHttp(url, { within: "10s", acceptSelfSigned: true })).toBe(200);
    expect(isAlive(server.pid as number)).toBe(true);
    expect(readFileSync(cert, "utf8")).toMatch(/BEGIN CERTIFICATE/);
  });
});

describe("waitForHttp over a Unix socket", () => {
  it("probes the socket path, the URL giving the request path", async () => {
    const socket = join(dir, "server.sock");
    await using server = await node(`
      const http = require("node:http");
      setTimeout(() => {
        http.createServer((req, res) => { res.writeHead(req.url === "/ready" ? 204 : 404); res.end(); })
          .listen(${JSON.stringify(socket)}, () => console.log("up"));
      }, 300);
    `).start();
    expect(await server.waitForHttp("http://localhost/ready", { within: "10s", socketPath: socket })).toBe(
      204,
    );
    expect(
      await server.waitForHttp("http://localhost/nope", { within: "5s", socketPath: socket, status: 404 }),
    ).toBe(404);
  });
});
