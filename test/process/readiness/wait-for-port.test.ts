/** waitForPort against a real HTTP server child. */
import { describe, expect, it } from "vitest";
import { InvalidInputError, NotReadyError } from "../../../src/index.js";
import { isAlive } from "../../helpers/procs.js";
import { node } from "../../helpers/scripts.js";
import { closedPort, httpServer, portOf } from "./servers.js";

describe("waitForPort", () => {
  it("resolves once the server child accepts connections, on 127.0.0.1 and via localhost", async () => {
    await using server = await httpServer({ listenAfterMs: 300 }).start();
    const port = portOf(await server.waitForLine(/^listening /, "20s"));
    await server.waitForPort({ host: "127.0.0.1", port }, "10s");
    await server.waitForPort(port, "10s"); // default host: localhost (IPv6 and IPv4 tried)
    expect(isAlive(server.pid as number)).toBe(true); // a probe never kills
  });

  it("keeps draining both pipes while it waits (a child that floods them still gets to listen)", async () => {
    // 2 MiB on each stream before listening: far more than a pipe holds.
    await using server = await httpServer({ noiseBytes: 2 << 20, listenAfterMs: 100 }).start();
    const port = portOf(await server.waitForLine(/^listening /, "30s"));
    await server.waitForPort({ host: "127.0.0.1", port }, "10s");
    await server.kill();
    const finished = await server.finish();
    const noise = Math.ceil((2 << 20) / 100) * 100;
    expect(finished.stderr.length).toBe(noise);
    expect(finished.stdout).toMatch(/^(x{99}\n)+listening \d+\n$/);
    expect(finished.stdout?.length).toBeGreaterThan(noise);
  });

  it("rejects with NotReadyError at its deadline and leaves the child running", async () => {
    const port = await closedPort();
    await using server = await httpServer().start();
    await server.waitForLine(/^listening /, "20s"); // a real server is up, just not on that port
    const error = await server.waitForPort({ host: "127.0.0.1", port }, "400ms").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotReadyError);
    expect((error as NotReadyError).timeoutMs).toBe(400);
    expect((error as NotReadyError).message).toMatch(/not ready within 400 ms/);
    expect((error as NotReadyError).message).toMatch(/ECONNREFUSED/);
    expect(isAlive(server.pid as number)).toBe(true);
  });

  it("rejects at once when the child exits first", async () => {
    const port = await closedPort();
    await using proc = await node(`setTimeout(() => process.exit(4), 200)`).start();
    const error = await proc.waitForPort({ host: "127.0.0.1", port }, "30s").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotReadyError);
    expect((error as NotReadyError).timeoutMs).toBeUndefined();
    expect((error as NotReadyError).message).toMatch(
      /exited \(code 4\) before port 127\.0\.0\.1:\d+ was ready/,
    );
  });

  it("rejects at once for a child that already exited", async () => {
    await using proc = await node(`process.exit(0)`).start();
    await proc.finish();
    await expect(proc.waitForPort(8080, "30s")).rejects.toBeInstanceOf(NotReadyError);
  });

  it("validates its arguments synchronously", async () => {
    await using proc = await node(`setInterval(() => {}, 1000)`).start();
    expect(() => proc.waitForPort(0, "1s")).toThrow(InvalidInputError);
    expect(() => proc.waitForPort(70_000, "1s")).toThrow(InvalidInputError);
    expect(() => proc.waitForPort({ host: "", port: 80 }, "1s")).toThrow(InvalidInputError);
    expect(() => proc.waitForPort(80, "soon")).toThrow(InvalidInputError);
    expect(() => proc.waitForPort(80, -5)).toThrow(InvalidInputError);
  });
});
