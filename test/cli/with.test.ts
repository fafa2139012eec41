/** `processkit with`: a real HTTP server child, readiness, the command's status, no server left behind. */
import { existsSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { selfSignedCertificate } from "../helpers/certificate.js";
import { isAlive, NODE, waitDead } from "../helpers/procs.js";
import { cli, freePort, MECHANISMS, pidsFrom, startCli, tempDir, waitUntil } from "./cli.js";

/** A node HTTP server: records its pid, says "listening on PORT" on stderr once it listens. */
function serverScript(port: number, pidFile: string, delayMs = 0): string {
  return `
    require("fs").appendFileSync(${JSON.stringify(pidFile)}, process.pid + "\\n");
    setTimeout(() => {
      require("http")
        .createServer((req, res) => res.end("hello from " + req.url))
        .listen(${port}, "127.0.0.1", () => console.error("listening on ${port}"));
    }, ${delayMs});
  `;
}

/** A node client: GET the URL, print the body, exit with `code`. */
function clientScript(url: string, code: number): string {
  return `fetch(${JSON.stringify(url)}).then((r) => r.text()).then((t) => { console.log(t); process.exit(${code}); }, (e) => { console.error(e.message); process.exit(99); });`;
}

async function portClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

describe("processkit with", () => {
  it("starts a real HTTP server, waits for its port, runs the command, exits with its code, leaves no server", async () => {
    const port = await freePort();
    const pidFile = join(tempDir(), "pids");
    const r = await cli([
      "with",
      "--ready-port",
      `127.0.0.1:${port}`,
      "--",
      NODE,
      "-e",
      serverScript(port, pidFile, 300),
      ":::",
      NODE,
      "-e",
      clientScript(`http://127.0.0.1:${port}/ping`, 7),
    ]);
    expect(r.stdout).toBe("hello from /ping\n");
    expect(r.code).toBe(7);
    expect(r.stderr).toContain(`listening on ${port}`); // the service's output is relayed to stderr
    const [server] = pidsFrom(pidFile);
    expect(server).toBeDefined();
    expect(await waitDead(server as number)).toBe(true);
    expect(await portClosed(port)).toBe(true);
  });

  it("--ready-http and --ready-line (on stderr) both gate the command", async () => {
    const port = await freePort();
    const pidFile = join(tempDir(), "pids");
    const r = await cli([
      "with",
      "--ready-line",
      "listening on",
      "--ready-http",
      `http://127.0.0.1:${port}/health`,
      "--",
      NODE,
      "-e",
      serverScript(port, pidFile, 200),
      ":::",
      NODE,
      "-e",
      clientScript(`http://127.0.0.1:${port}/x`, 0),
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("hello from /x\n");
    for (const pid of pidsFrom(pidFile)) expect(await waitDead(pid)).toBe(true);
  });

  it("--ready-http https:// verifies the certificate; --ready-self-signed accepts a self-signed one", async () => {
    const dir = tempDir();
    const { key, cert } = selfSignedCertificate(dir);
    const server = (port: number, pidFile: string) => `
      require("fs").appendFileSync(${JSON.stringify(pidFile)}, process.pid + "\\n");
      const fs = require("fs");
      require("https")
        .createServer({ key: fs.readFileSync(${JSON.stringify(key)}), cert: fs.readFileSync(${JSON.stringify(cert)}) },
          (req, res) => res.end("secure " + req.url))
        .listen(${port}, "127.0.0.1");
    `;
    const ran = join(dir, "ran");
    for (const selfSigned of [false, true]) {
      const port = await freePort();
      const pidFile = join(dir, `pids-${selfSigned}`);
      const r = await cli([
        "with",
        "--ready-http",
        `https://127.0.0.1:${port}/health`,
        ...(selfSigned ? ["--ready-self-signed"] : ["--ready-timeout", "1500ms"]),
        "--",
        NODE,
        "-e",
        server(port, pidFile),
        ":::",
        "touch",
        ran,
      ]);
      // Verified by default: a self-signed certificate never becomes ready (124, the command never ran).
      expect(r.code, r.stderr).toBe(selfSigned ? 0 : 124);
      expect(existsSync(ran)).toBe(selfSigned);
      const [pid] = pidsFrom(pidFile);
      expect(pid).toBeDefined(); // the server existed
      expect(await waitDead(pid as number)).toBe(true);
    }
  });

  it("--ready-path waits for a file", async () => {
    const dir = tempDir();
    const marker = join(dir, "ready");
    const r = await cli([
      "with",
      "--ready-path",
      marker,
      "--",
      "sh",
      "-c",
      `sleep 0.3; touch '${marker}'; sleep 300`,
      ":::",
      "cat",
      marker,
    ]);
    expect(r.code).toBe(0);
  });

  it("not ready within --ready-timeout → 124, the command never runs, the service is gone", async () => {
    const port = await freePort();
    const pidFile = join(tempDir(), "pids");
    const marker = join(tempDir(), "ran");
    const r = await cli([
      "with",
      "--ready-port",
      String(port),
      "--ready-timeout",
      "700ms",
      "--",
      "sh",
      "-c",
      `echo $$ >> '${pidFile}'; sleep 300`,
      ":::",
      "touch",
      marker,
    ]);
    expect(r.code).toBe(124);
    expect(r.stderr).toMatch(/not ready within 700 ms/);
    expect(existsSync(marker)).toBe(false);
    for (const pid of pidsFrom(pidFile)) expect(await waitDead(pid)).toBe(true);
  });

  it("a service that exits before it is ready → 125 with its status", async () => {
    const r = await cli([
      "with",
      "--ready-port",
      "1",
      "--",
      "sh",
      "-c",
      "echo cannot start >&2; exit 4",
      ":::",
      "true",
    ]);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain("cannot start");
    expect(r.stderr).toMatch(/exited \(code 4\) before port/);
  });

  it("a service or command that cannot start → 127", async () => {
    expect((await cli(["with", "--", "processkit-no-such-program", ":::", "true"])).code).toBe(127);
    expect((await cli(["with", "--", "sleep", "300", ":::", "processkit-no-such-program"])).code).toBe(127);
  });

  it("SIGTERM while the command runs: command and service trees are gone; the CLI ends by SIGTERM", async () => {
    const pidFile = join(tempDir(), "pids");
    const run = startCli([
      "with",
      "--",
      "sh",
      "-c",
      `sleep 300 & echo $! >> '${pidFile}'; wait`,
      ":::",
      "sh",
      "-c",
      `sleep 300 & echo $! >> '${pidFile}'; wait`,
    ]);
    await waitUntil(() => pidsFrom(pidFile).length >= 2, "both trees");
    const pids = pidsFrom(pidFile);
    for (const pid of pids) expect(isAlive(pid)).toBe(true);
    run.child.kill("SIGTERM");
    const r = await run.done;
    expect(r.signal ?? r.code).toBe(r.signal === null ? 143 : "SIGTERM");
    for (const pid of pids) expect(await waitDead(pid)).toBe(true);
  });

  it.each(MECHANISMS)(
    "two services under %s, each with its own readiness, started in order; the command's status; both trees gone",
    async (mechanism) => {
      const [dbPort, apiPort] = [await freePort(), await freePort()];
      const pidFile = join(tempDir(), "pids");
      // The api refuses to start unless the db already answers: proof of the order.
      const api = `
      require("fs").appendFileSync(${JSON.stringify(pidFile)}, process.pid + "\\n");
      fetch("http://127.0.0.1:${dbPort}/").then(
        () => require("http").createServer((q, s) => s.end("api")).listen(${apiPort}, "127.0.0.1", () => console.log("api up")),
        () => process.exit(9),
      );
    `;
      const r = await cli(
        [
          "with",
          "--",
          "--name",
          "db",
          "--ready-port",
          `127.0.0.1:${dbPort}`,
          NODE,
          "-e",
          serverScript(dbPort, pidFile, 300),
          ":::",
          "--ready-line",
          "api up",
          "--name",
          "api",
          NODE,
          "-e",
          api,
          ":::",
          NODE,
          "-e",
          clientScript(`http://127.0.0.1:${apiPort}/x`, 3),
        ],
        { mechanism },
      );
      expect(r.code).toBe(3);
      expect(r.stdout).toBe("api\n");
      expect(r.stderr).toMatch(/^\[db\] +listening on/m);
      expect(r.stderr).toMatch(/^\[api\] api up$/m);
      const pids = pidsFrom(pidFile);
      expect(pids).toHaveLength(2);
      for (const pid of pids) expect(await waitDead(pid)).toBe(true);
      expect(await portClosed(dbPort)).toBe(true);
      expect(await portClosed(apiPort)).toBe(true);
    },
  );

  it("--parallel starts the services together; one dying before it is ready → 125, the others torn down", async () => {
    const pidFile = join(tempDir(), "pids");
    const r = await cli([
      "with",
      "--parallel",
      "--",
      "--ready-path",
      "/no/such/file",
      "sh",
      "-c",
      `sleep 300 & echo $! >> '${pidFile}'; wait`,
      ":::",
      "--ready-line",
      "never",
      "sh",
      "-c",
      `echo $$ >> '${pidFile}'; sleep 0.5; exit 4`,
      ":::",
      "true",
    ]);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/service sh-2 sh: .*ended before/);
    const pids = pidsFrom(pidFile);
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(await waitDead(pid)).toBe(true);
  });

  it("usage errors → 125 with one line", async () => {
    for (const [args, text] of [
      [["--", "sleep", "1"], ":::"],
      [["--", "sleep", "1", ":::"], 'after ":::"'],
      [["--", ":::", "true"], 'before ":::"'],
      [["--ready-port", "http", "--", "a", ":::", "b"], "--ready-port"],
      [["--ready-http", "nope", "--", "a", ":::", "b"], "--ready-http"],
      [["--ready-http", "ftp://x/", "--", "a", ":::", "b"], "--ready-http"],
      [["--ready-http", "http://x/", "--ready-self-signed", "--", "a", ":::", "b"], "--ready-self-signed"],
      [["--ready-self-signed", "--", "a", ":::", "b"], "--ready-self-signed"],
      [["--ready-timeout", "x", "--", "a", ":::", "b"], "--ready-timeout"],
      [["--ready-port", "1", "--", "a", ":::", "b", ":::", "c"], "put each one's readiness in its own group"],
      [["--", "--name", "x", "a", ":::", "--name", "x", "b", ":::", "c"], 'duplicate name "x"'],
      [["--", "a", ":::", "--ready-bogus", "1", "b", ":::", "c"], "--ready-bogus"],
    ] as const) {
      const r = await cli(["with", ...args]);
      expect(r.code, args.join(" ")).toBe(125);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(text);
    }
  });
});
