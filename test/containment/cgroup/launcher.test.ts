/**
 * The cgroup launcher: `/bin/sh` joins the container, then execs the target — same pid, argv
 * passed positionally (never interpolated), uid/gid dropped by setpriv after the join, argv0
 * not honoured (documented). If the join fails the target never runs.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CgroupBackend } from "../../../src/containment/cgroup/backend.js";
import { CgroupContainer } from "../../../src/containment/cgroup/container.js";
import { findSetpriv, launcherPlan } from "../../../src/containment/cgroup/launcher.js";
import { locateCgroup } from "../../../src/containment/cgroup/locate.js";
import { track } from "../support.js";

const tmp = mkdtempSync(join(tmpdir(), "processkit-launcher-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("launcherPlan", () => {
  it("passes the cgroup dir as $0 and the command as positional arguments", () => {
    const plan = launcherPlan("/cg/c1", "/bin/echo", ["a b", "$(touch x)", "'"], { cwd: "/", argv0: "fake" });
    expect(plan.file).toBe("/bin/sh");
    expect(plan.args).toEqual([
      "-c",
      'echo $$ > "$0/cgroup.procs" && exec "$@"',
      "/cg/c1",
      "/bin/echo",
      "a b",
      "$(touch x)",
      "'",
    ]);
    // argv0 cannot survive `exec` in dash: dropped, and the rest of the options pass through.
    expect(plan.options).toEqual({ cwd: "/" });
  });

  it.runIf(findSetpriv() !== null)(
    "uid/gid: join first, then drop with setpriv from a fixed system directory",
    () => {
      const plan = launcherPlan("/cg/c1", "/bin/id", ["-u"], { uid: 65534, gid: 65534 });
      expect(plan.options).toEqual({});
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
    const plan = launcherPlan(dir, file, args, { stdio: ["pipe", "pipe", "pipe"], ...options });
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
