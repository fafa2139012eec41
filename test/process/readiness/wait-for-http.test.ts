/** waitForHttp against a real HTTP server child. */
import { describe, expect, it } from "vitest";
import { InvalidInputError, NotReadyError } from "../../../src/index.js";
import { isAlive } from "../../helpers/procs.js";
import { node } from "../../helpers/scripts.js";
import { closedPort, httpServer, portOf } from "./servers.js";

describe("waitForHttp", () => {
  it("resolves with the status once the server answers 2xx (503 first)", async () => {
    await using server = await httpServer({ unhealthyForMs: 500 }).start();
    const port = portOf(await server.waitForLine(/^listening /, "20s"));
    const status = await server.waitForHttp(`http://127.0.0.1:${port}/health`, { within: "20s" });
    expect(status).toBe(200);
    expect(isAlive(server.pid as number)).toBe(true);
    // The server really is up: a GET now succeeds.
    const res = await fetch(`http://127.0.0.1:${port}/health`);
    expect(await res.text()).toBe("ok");
  });

  it("accepts a status code, a list, or a predicate", async () => {
    await using server = await httpServer().start();
    const port = portOf(await server.waitForLine(/^listening /, "20s"));
    const url = new URL(`http://127.0.0.1:${port}/missing`);
    expect(await server.waitForHttp(url, { status: 404, within: "10s" })).toBe(404);
    expect(await server.waitForHttp(url, { status: [401, 404], within: "10s" })).toBe(404);
    expect(await server.waitForHttp(url, { status: (s) => s >= 400, within: "10s" })).toBe(404);
  });

  it("rejects with NotReadyError at its deadline, naming the last status, and leaves the child running", async () => {
    await using server = await httpServer({ unhealthyForMs: -1, unhealthyStatus: 503 }).start();
    const port = portOf(await server.waitForLine(/^listening /, "20s"));
    const error = await server
      .waitForHttp(`http://127.0.0.1:${port}/health`, { within: "500ms" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotReadyError);
    expect((error as NotReadyError).timeoutMs).toBe(500);
    expect((error as NotReadyError).message).toMatch(
      /GET http:\/\/127\.0\.0\.1:\d+\/health not ready within 500 ms/,
    );
    expect((error as NotReadyError).message).toMatch(/status 503/);
    expect(isAlive(server.pid as number)).toBe(true);
  });

  it("rejects at once when the server child exits before it is healthy", async () => {
    const port = await closedPort();
    await using proc = await node(`setTimeout(() => process.exit(2), 300)`).start();
    const error = await proc
      .waitForHttp(`http://127.0.0.1:${port}/health`, { within: "30s" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotReadyError);
    expect((error as NotReadyError).timeoutMs).toBeUndefined();
    expect((error as NotReadyError).message).toMatch(/exited \(code 2\)/);
  });

  it("validates its arguments synchronously", async () => {
    await using proc = await node(`setInterval(() => {}, 1000)`).start();
    expect(() => proc.waitForHttp("not a url", { within: "1s" })).toThrow(InvalidInputError);
    expect(() => proc.waitForHttp("ftp://127.0.0.1/", { within: "1s" })).toThrow(/only http: and https:/);
    expect(() => proc.waitForHttp("https://127.0.0.1/", { within: "1s", insecure: true } as never)).toThrow(
      /unknown option insecure/,
    );
    expect(() => proc.waitForHttp("http://x/", { within: "1s", socketPath: "" })).toThrow(InvalidInputError);
    expect(() => proc.waitForHttp("http://127.0.0.1/", { within: "1s", status: "200" as never })).toThrow(
      InvalidInputError,
    );
    expect(() => proc.waitForHttp("http://127.0.0.1/", {} as never)).toThrow(InvalidInputError);
  });
});
