/**
 * `processkit run` keeps its promise — nothing it started survives it — on every mechanism
 * this host has: after a timeout, after SIGTERM/SIGINT to the CLI, and after SIGKILL to the
 * CLI (the owner sentinel). Each test first proves the tree was alive (positive control),
 * then checks every pid by /proc state.
 */
import { writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isAlive, waitDead } from "../helpers/procs.js";
import { cli, MECHANISMS, pidsFrom, startCli, tempDir, treeScript, waitUntil } from "./cli.js";

async function startTree(
  mechanism: string,
  extra: readonly string[] = [],
  tree: { count?: number; setsid?: boolean } = {},
) {
  const pidFile = join(tempDir(), "pids");
  const count = tree.count ?? 2;
  const expected = count + 1 + (tree.setsid ? 1 : 0);
  const run = startCli(["run", ...extra, "--", "sh", "-c", treeScript(pidFile, count, tree)], { mechanism });
  await waitUntil(() => pidsFrom(pidFile).length >= expected, "the tree to record its pids");
  const pids = pidsFrom(pidFile);
  // Positive control: the whole tree is running before we act.
  for (const pid of pids) expect(isAlive(pid), `pid ${pid} alive before`).toBe(true);
  return { run, pids };
}

async function expectAllDead(pids: readonly number[]): Promise<void> {
  for (const pid of pids) expect(await waitDead(pid, 10_000), `pid ${pid} should be gone`).toBe(true);
}

describe.each(MECHANISMS)("processkit run under %s", (mechanism) => {
  it("--timeout on a sh -c tree → 124 and no survivors", async () => {
    const { run, pids } = await startTree(mechanism, ["--timeout", "1.5s"]);
    const result = await run.done;
    expect(result.code).toBe(124);
    await expectAllDead(pids);
  });

  it("SIGTERM to the CLI mid-run: the tree gets SIGTERM, is gone, and the CLI dies of SIGTERM", async () => {
    const { run, pids } = await startTree(mechanism);
    run.child.kill("SIGTERM");
    const result = await run.done;
    // sh and its sleepers die of the forwarded SIGTERM; we re-raise it (a shell shows 143).
    expect(result.signal ?? result.code).toBe(result.signal === null ? 143 : "SIGTERM");
    expect(result.stderr).toMatch(/SIGTERM: stopping sh and its tree/);
    await expectAllDead(pids);
  });

  it("SIGINT to the CLI (not at a terminal): forwarded, tree gone, CLI ends by SIGINT", async () => {
    const { run, pids } = await startTree(mechanism);
    run.child.kill("SIGINT");
    const result = await run.done;
    expect(result.signal ?? result.code).toBe(result.signal === null ? 130 : "SIGINT");
    await expectAllDead(pids);
  });

  it("a child that traps the signal gets the grace period; a second signal kills at once", async () => {
    const pidFile = join(tempDir(), "pids");
    const script = `trap 'echo got-term' TERM; sleep 300 & echo $! >> '${pidFile}'; echo $$ >> '${pidFile}'; while :; do wait; done`;
    const run = startCli(["run", "--grace", "60s", "--", "sh", "-c", script], { mechanism });
    await waitUntil(() => pidsFrom(pidFile).length >= 2, "the pids");
    const pids = pidsFrom(pidFile);
    run.child.kill("SIGTERM");
    await waitUntil(() => run.stdout().includes("got-term"), "the child to see SIGTERM");
    // The shell survives SIGTERM and its grace is 60 s: it is still there…
    const shell = pids[1] as number;
    expect(isAlive(shell)).toBe(true);
    // …until a second signal kills everything at once.
    run.child.kill("SIGTERM");
    const result = await run.done;
    expect(result.code).toBe(137);
    expect(result.stderr).toMatch(/killing sh and its tree now/);
    await expectAllDead(pids);
  });

  it("SIGKILL to the CLI: the owner sentinel takes the tree down", async () => {
    // No pause needed: the launcher runs the target only once its group is registered (the gate).
    const { run, pids } = await startTree(mechanism);
    run.child.kill("SIGKILL");
    const result = await run.done;
    expect(result.signal).toBe("SIGKILL");
    await expectAllDead(pids);
  });

  it("a leftover background process dies when the leader exits", async () => {
    const pidFile = join(tempDir(), "pids");
    const result = await cli(
      ["run", "--", "sh", "-c", `sleep 300 >/dev/null 2>&1 & echo $! >> '${pidFile}'; exit 0`],
      { mechanism },
    );
    expect(result.code).toBe(0);
    const pids = pidsFrom(pidFile);
    expect(pids).toHaveLength(1);
    await expectAllDead(pids);
  });
});

// Under process groups the setsid child (a detached server, say: issue 14) is found by its run marker.
describe.each(MECHANISMS)("processkit run under %s: setsid escapees", (mechanism) => {
  it("--timeout also kills a descendant that called setsid()", async () => {
    const { run, pids } = await startTree(mechanism, ["--timeout", "1.5s"], { setsid: true });
    expect((await run.done).code).toBe(124);
    await expectAllDead(pids);
  });

  it("SIGKILL to the CLI also kills a descendant that called setsid() (owner death)", async () => {
    const { run, pids } = await startTree(mechanism, [], { setsid: true });
    run.child.kill("SIGKILL");
    await run.done;
    await expectAllDead(pids);
  });
});

describe.each(MECHANISMS)("processkit run under %s: a detached server", (mechanism) => {
  it("a timed-out script's detached server is gone and its port is free again (issue 14)", async () => {
    const port = await freePort();
    const dir = tempDir();
    const pidFile = join(dir, "pids");
    const server = join(dir, "server.cjs");
    writeFileSync(
      server,
      `require("net").createServer().listen(${port}, "127.0.0.1", () => require("fs").appendFileSync(${JSON.stringify(pidFile)}, process.pid + "\\n"));`,
    );
    // Node's detached spawn: a new session, the way servers and `npm run` helpers daemonize.
    const launcher = join(dir, "launch.cjs");
    writeFileSync(
      launcher,
      `require("child_process").spawn(process.execPath, [${JSON.stringify(server)}], { detached: true, stdio: "ignore" }).unref();`,
    );
    const script = `"$0" "$1"; exec sleep 300`;
    const run = startCli(["run", "--timeout", "2s", "--", "sh", "-c", script, process.execPath, launcher], {
      mechanism,
    });
    await waitUntil(() => pidsFrom(pidFile).length >= 1, "the server to listen");
    const serverPid = pidsFrom(pidFile)[0] as number;
    try {
      expect(isAlive(serverPid)).toBe(true);
      expect(await canListen(port)).toBe(false); // positive control: the port is taken
      expect((await run.done).code).toBe(124);
      expect(await waitDead(serverPid, 10_000)).toBe(true);
      expect(await canListen(port)).toBe(true);
    } finally {
      if (isAlive(serverPid)) process.kill(serverPid, "SIGKILL");
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

describe("processkit run: stdio, environment, --json", () => {
  it("the child inherits stdin, stdout and stderr", async () => {
    const r = await cli(["run", "--", "sh", "-c", "cat; echo to-err >&2"], { input: "from stdin\n" });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("from stdin\n");
    expect(r.stderr).toBe("to-err\n");
  });

  it("--env, --env-clear, --inherit-env and --cwd shape the child's environment", async () => {
    const dir = tempDir();
    const r = await cli(
      [
        "run",
        "--inherit-env",
        "PATH",
        "--env",
        "PK_A=1",
        "--env=PK_B=x=y",
        "--cwd",
        dir,
        "--",
        "sh",
        "-c",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a template
        'echo "$PK_A|$PK_B|${HOME-unset}|$(pwd)"',
      ],
      { env: { HOME: "/home/someone" } },
    );
    expect(r.stdout.trim()).toBe(`1|x=y|unset|${dir}`);
    const cleared = await cli(["run", "--env-clear", "--env", "ONLY=1", "--", "/usr/bin/env"]);
    // PWD may appear: the cgroup launcher is /bin/sh, which exports it (not from our environment).
    expect(
      cleared.stdout
        .trim()
        .split("\n")
        .filter((l) => !l.startsWith("PWD="))
        .sort(),
    ).toEqual(["ONLY=1"]);
  });

  it("--json: one document on stdout with the outcome and the captured output; env values never appear", async () => {
    const secret = "s3cret-value-never-printed";
    const r = await cli([
      "run",
      "--json",
      "--env",
      `TOKEN=${secret}`,
      "--",
      "sh",
      "-c",
      "echo out; echo err >&2; exit 3",
    ]);
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      command: { program: "sh", args: ["-c", "echo out; echo err >&2; exit 3"] },
      exit: 3,
      outcome: { kind: "exited", code: 3 },
      exitCode: 3,
      signal: null,
      timedOut: false,
      stdout: "out\n",
      stderr: "err\n",
      truncated: false,
      interruptedBy: null,
    });
    expect(MECHANISMS).toContain(doc.mechanism);
    expect(typeof doc.pid).toBe("number");
    expect(r.stdout.split("\n").filter(Boolean)).toHaveLength(1);
    expect(r.stdout + r.stderr).not.toContain(secret);
  });

  it("--json describes failures too (not found, timed out, killed)", async () => {
    const notFound = JSON.parse((await cli(["run", "--json", "--", "processkit-no-such-program"])).stdout);
    expect(notFound).toMatchObject({ exit: 127, error: { reason: "not-found" } });
    const timedOut = JSON.parse(
      (await cli(["run", "--json", "--timeout", "200ms", "--", "sleep", "30"])).stdout,
    );
    expect(timedOut).toMatchObject({ exit: 124, outcome: { kind: "timed-out" }, timedOut: true });
    const killed = JSON.parse((await cli(["run", "--json", "--", "sh", "-c", "kill -KILL $$"])).stdout);
    expect(killed).toMatchObject({ exit: 137, outcome: { kind: "signalled", signal: "SIGKILL" } });
  });

  it("a bad --env never echoes what was given", async () => {
    const r = await cli(["run", "--env", "hunter2-secret", "--", "true"]);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/--env: expected NAME=VALUE/);
    expect(r.stderr).not.toContain("hunter2");
  });

  it("resource limits are enforced or refused with 125 — never silently ignored", async () => {
    const doctor = JSON.parse((await cli(["doctor", "--json"])).stdout);
    const r = await cli(["run", "--max-memory", "256M", "--", "true"]);
    if (doctor.limits.memoryMax) {
      expect(r.code).toBe(0);
    } else {
      expect(r.code).toBe(125);
      expect(r.stderr).toMatch(/--max-memory cannot be enforced on this host/);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
    const processes = await cli(["run", "--max-processes", "8", "--cpu-quota", "0.5", "--", "true"]);
    expect(processes.code).toBe(doctor.limits.maxProcesses && doctor.limits.cpuQuota ? 0 : 125);
  });
});
