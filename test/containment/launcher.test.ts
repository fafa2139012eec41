/**
 * The launcher: `/bin/sh` joins the container (cgroup v2), waits at the gate, then execs the
 * target — same pid, argv passed positionally (never interpolated), uid/gid dropped by
 * setpriv after the join, argv0 not honoured (documented). If the join fails, or the gate
 * reaches EOF (the owner died before registering the leader), the target never runs.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CgroupBackend } from "../../src/containment/cgroup/backend.js";
import { CgroupContainer } from "../../src/containment/cgroup/container.js";
import { locateCgroup } from "../../src/containment/cgroup/locate.js";
import { findSetpriv, launcherPlan } from "../../src/containment/launcher.js";
import { Command, JobRunner, SpawnError } from "../../src/index.js";
import { spawnPath } from "../../src/process/native/spawn-path.js";
import { track } from "./support.js";

/** The steps of a cgroup launcher without the gate: what these unit tests look at. */
const J = { join: "/cg/c1", gate: false } as const;

const tmp = mkdtempSync(join(tmpdir(), "processkit-launcher-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("launcherPlan", () => {
  it("passes the cgroup dir as $0 and the command as positional arguments", () => {
    const plan = launcherPlan(J, "/bin/echo", ["a b", "$(touch x)", "'"], {
      cwd: "/",
      argv0: "fake",
      env: { PATH: "/bin" },
    });
    expect(plan.file).toBe("/bin/sh");
    expect(plan.args).toEqual([
      "-c",
      'echo $$ > "$0/cgroup.procs" && unset PWD && exec "$@"',
      "/cg/c1",
      "/bin/echo",
      "a b",
      "$(touch x)",
      "'",
    ]);
    // argv0 cannot survive `exec` in dash: dropped, and the rest of the options pass through.
    expect(plan.options).toEqual({ cwd: "/", env: { PATH: "/bin" } });
  });

  it("puts back what dash rewrites (PWD, IFS, PPID, a numeric OPTIND) from positional values", () => {
    const plan = launcherPlan(J, "/bin/true", [], {
      env: { PWD: "/stale; rm -rf /", IFS: ":", OPTIND: "3" },
    });
    expect(plan.args).toEqual([
      "-c",
      'echo $$ > "$0/cgroup.procs" && PWD=$1 && export PWD && shift && IFS=$1 && export IFS && shift && ' +
        'OPTIND=$1 && export OPTIND && shift && exec "$@"',
      "/cg/c1",
      "/stale; rm -rf /",
      ":",
      "3",
      "/bin/true",
    ]);
  });

  it("hands what a shell cannot hold to env(1): non-identifier names, a non-numeric OPTIND", () => {
    const plan = launcherPlan(J, "/bin/true", ["x"], { env: { "A-B": "1", OPTIND: "x", PWD: "/" } });
    expect(plan.args.slice(4)).toEqual([
      expect.stringMatching(/^\/(usr\/)?bin\/env$/),
      "A-B=1",
      "OPTIND=x",
      "/bin/true",
      "x",
    ]);
    expect(() => launcherPlan(J, "/opt/a=b/x", [], { env: { "A-B": "1" } })).toThrow(/'='/);
  });

  it.runIf(findSetpriv() !== null)(
    "uid/gid: join first, then drop with setpriv from a fixed system directory",
    () => {
      const plan = launcherPlan(J, "/bin/id", ["-u"], { uid: 65534, gid: 65534, env: {} });
      expect(plan.options).toEqual({ env: {} });
      expect(plan.args.slice(3)).toEqual([
        findSetpriv(),
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--",
        "/bin/id",
        "-u",
      ]);
      expect(findSetpriv()).toMatch(/^\/(usr\/)?bin\/setpriv$/);
    },
  );
});

describe.runIf(locateCgroup().ok)("launching through the launcher (this host)", () => {
  async function run(dir: string, file: string, args: string[], options = {}) {
    const plan = launcherPlan({ join: dir, gate: false }, file, args, {
      stdio: ["pipe", "pipe", "pipe"],
      ...options,
    });
    const child = spawn(plan.file, plan.args, plan.options);
    track(child.pid as number);
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr?.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.stdin?.on("error", () => {}); // targets that do not read their stdin
    child.stdin?.end("piped input\n");
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) =>
      child.once("close", (c, s) => r([c, s])),
    );
    return { pid: child.pid as number, stdout, stderr, code, signal };
  }

  it("the target keeps the launcher's pid, runs inside the cgroup, and gets argv, stdin, cwd and env verbatim", async () => {
    const backend = await CgroupBackend.get();
    const container = CgroupContainer.inside(backend.ownerDir);
    try {
      const result = await run(
        container.dir,
        "/bin/sh",
        [
          "-c",
          'echo "$$"; cat /proc/self/cgroup | grep "^0::"; printf "%s|" "$@"; echo; pwd; echo "$X"; cat',
          "sh",
          "a b",
          "$(nope)",
          "*",
        ],
        { cwd: tmp, env: { X: "y z", PATH: "/usr/bin:/bin" } },
      );
      const [pid, cgroup, argv, cwd, env, input] = result.stdout.split("\n");
      expect(Number(pid)).toBe(result.pid);
      expect(cgroup).toMatch(new RegExp(`/${container.dir.split("/").slice(-2).join("/")}$`));
      expect(argv).toBe("a b|$(nope)|*|");
      expect(cwd).toBe(tmp);
      expect(env).toBe("y z");
      expect(input).toBe("piped input");
      expect(result.code).toBe(0);
    } finally {
      container.release();
    }
  });

  const entries = (nulSeparated: string) => nulSeparated.split("\0").filter(Boolean).sort();

  it("the environment reaches the target byte for byte, as with a plain spawn", async () => {
    const backend = await CgroupBackend.get();
    const container = CgroupContainer.inside(backend.ownerDir);
    const envs: Array<Record<string, string>> = [
      {},
      { PATH: "/usr/bin:/bin" },
      { PWD: "/somewhere/stale", HOME: "/root" },
      { IFS: "x", OPTIND: "5", PPID: "7", "A-B": "1", "X.Y": "2", "1A": "3", NL: "a\nb", Q: "' \" $(x) `y`" },
      { OPTIND: "not-a-number", PWD: "/" },
    ];
    try {
      for (const env of envs) {
        const raw = spawnSync("/usr/bin/env", ["-0"], { cwd: tmp, env, encoding: "latin1" }).stdout;
        const through = await run(container.dir, "/usr/bin/env", ["-0"], { cwd: tmp, env });
        // The same entries, byte for byte; only their order is the shell's (nothing reads environ in order).
        expect(entries(through.stdout), JSON.stringify(env)).toEqual(entries(raw));
      }
    } finally {
      container.release();
    }
  });

  it("through a JobRunner: odd names arrive; a program path with '=' plus such names is a SpawnError on the pure path", async () => {
    const runner = new JobRunner({ mechanism: "cgroup-v2" });
    const printed = await runner.run(new Command("/usr/bin/env").envClear().env({ "A-B": "1", OPTIND: "x" }));
    expect(printed.split("\n").sort()).toEqual(["A-B=1", "OPTIND=x"]);
    mkdirSync(join(tmp, "a=b"));
    symlinkSync("/bin/true", join(tmp, "a=b", "prog"));
    const odd = new Command(join(tmp, "a=b", "prog")).env({ "A-B": "1" });
    // The native spawn has no launcher: execve takes any name and any path.
    if (spawnPath().spawn === "native") await expect(runner.run(odd)).resolves.toBe("");
    else await expect(runner.run(odd)).rejects.toBeInstanceOf(SpawnError);
    await expect(runner.run(new Command(join(tmp, "a=b", "prog")))).resolves.toBe("");
  });

  it("exit codes and signals pass through", async () => {
    const backend = await CgroupBackend.get();
    const container = CgroupContainer.inside(backend.ownerDir);
    try {
      expect((await run(container.dir, "/bin/sh", ["-c", "exit 7"])).code).toBe(7);
      const killed = await run(container.dir, "/bin/sh", ["-c", "kill -TERM $$"]);
      expect(killed.signal).toBe("SIGTERM");
    } finally {
      container.release();
    }
  });

  it("if the join fails the target never runs", async () => {
    const marker = join(tmp, "ran");
    const result = await run(join(tmp, "not-a-cgroup"), "/bin/touch", [marker]);
    expect(result.code).not.toBe(0);
    expect(existsSync(marker)).toBe(false);
    expect(result.stderr).toMatch(/cgroup\.procs/);
  });

  it.runIf(findSetpriv() !== null && process.getuid?.() === 0)(
    "uid/gid are dropped after the join: the target runs unprivileged inside the cgroup",
    async () => {
      const backend = await CgroupBackend.get();
      const container = CgroupContainer.inside(backend.ownerDir);
      try {
        const result = await run(
          container.dir,
          "/bin/sh",
          ["-c", 'id -u; id -g; grep "^0::" /proc/self/cgroup'],
          {
            uid: 65534,
            gid: 65534,
          },
        );
        const [uid, gid, cgroup] = result.stdout.split("\n");
        expect([uid, gid]).toEqual(["65534", "65534"]);
        expect(cgroup?.endsWith(container.dir.split("/").pop() as string)).toBe(true);
        expect(readFileSync(`${container.dir}/cgroup.procs`, "utf8")).toBe("");
      } finally {
        container.release();
      }
    },
  );
});
