/**
 * What a natively spawned child starts with: only its three stdio fds, default signal
 * dispositions and an empty mask (although Node ignores SIGPIPE and handles SIGINT), the
 * argv0 it was given, its container from the first instruction (no /bin/sh in between), and
 * no environment value in anybody's argv. Checked from outside, through /proc/<pid>.
 */
import { spawn } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { locateCgroup } from "../../../src/containment/cgroup/locate.js";
import { Command, type JobRunner, type RunningProcess } from "../../../src/index.js";
import { loadAddon } from "../../../src/process/native/addon.js";
import { spawnNative } from "../../../src/process/native/native-spawn.js";
import { spawnPath } from "../../../src/process/native/spawn-path.js";
import { RUNNERS } from "../../helpers/mechanisms.js";
import { killPids, waitDead } from "../../helpers/procs.js";

const load = loadAddon();
const native = load.ok && spawnPath().spawn === "native";

const status = (pid: number, field: string) =>
  readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`^${field}:\\s*(\\S+)`, "m"))?.[1];
const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").slice(0, -1);
/**
 * The fds of a child once its dynamic loader is done: it holds a library open on fd 3 for a
 * moment while it maps it (the vfork parent may go on as soon as the exec began), and a loaded
 * machine can show that moment to a look at any time. Read until the list is the three stdio
 * fds (2 s at most): a leaked fd stays, and the last list read shows it.
 */
async function fdsOnceLoaded(pid: number): Promise<string[]> {
  let fds = readdirSync(`/proc/${pid}/fd`).sort();
  for (let i = 0; i < 400 && fds.join() !== "0,1,2"; i++) {
    await new Promise((r) => setTimeout(r, 5));
    fds = readdirSync(`/proc/${pid}/fd`).sort();
  }
  return fds;
}
/** The kernel lets the vfork parent go before it has copied argv and envp into the new image: a moment. */
async function imageReady(pid: number): Promise<void> {
  for (let i = 0; i < 100 && cmdline(pid).length === 0; i++) await new Promise((r) => setTimeout(r, 5));
}

async function withStarted(
  command: Command,
  runner: JobRunner,
  check: (proc: RunningProcess) => void | Promise<void>,
) {
  const proc = await runner.start(command);
  try {
    await check(proc);
  } finally {
    await proc.kill();
  }
}

describe.runIf(native)("a natively spawned child", () => {
  describe.each(RUNNERS)("%s", (_mechanism, runner) => {
    it("holds only its stdio fds", async () => {
      await withStarted(new Command("sleep", ["300"]), runner, async (proc) => {
        const pid = proc.pid as number;
        expect(await fdsOnceLoaded(pid)).toEqual(["0", "1", "2"]);
        expect(readlinkSync(`/proc/${pid}/fd/1`)).toMatch(/^pipe:/);
      });
    });

    it("starts with default dispositions and an empty signal mask", async () => {
      await withStarted(new Command("sleep", ["300"]), runner, (proc) => {
        const pid = proc.pid as number;
        expect(status(pid, "SigIgn")).toBe("0000000000000000");
        expect(status(pid, "SigBlk")).toBe("0000000000000000");
        expect(status(pid, "SigCgt")).toBe("0000000000000000");
      });
    });

    it("positive control: an ignored signal does show in SigIgn (it survives exec)", async () => {
      await withStarted(new Command("sh", ["-c", "trap '' PIPE; exec sleep 300"]), runner, async (proc) => {
        const pid = proc.pid as number;
        await new Promise((r) => setTimeout(r, 100)); // until sh has exec'd sleep
        expect(BigInt(`0x${status(pid, "SigIgn")}`) & (1n << 12n)).toBe(1n << 12n); // SIGPIPE = 13
      });
    });

    it("is the program itself from the first instant: its pid, its argv0, no /bin/sh", async () => {
      await withStarted(new Command("sleep", ["300"]), runner, async (proc) => {
        const pid = proc.pid as number;
        // start() resolved after the vforked child exec'd: no launcher can be seen, even now.
        expect(readlinkSync(`/proc/${pid}/exe`)).toMatch(/\/sleep$/);
        await imageReady(pid);
        expect(cmdline(pid)).toEqual(["sleep", "300"]);
      });
    });

    it("carries environment values in its environment only, never in an argv", async () => {
      const secret = "s3cret-value-that-must-not-show";
      const command = new Command("sleep", ["300"]).env({ "ODD-NAME": secret, OPTIND: "not-a-number" });
      await withStarted(command, runner, async (proc) => {
        const pid = proc.pid as number;
        await imageReady(pid);
        expect(cmdline(pid).join(" ")).not.toContain(secret);
        expect(readFileSync(`/proc/${pid}/environ`, "utf8").split("\0")).toContain(`ODD-NAME=${secret}`);
      });
    });
  });

  it("inherits no fd of ours: a leaked descriptor of a Node owner does not reach it (positive control: raw spawn)", async () => {
    // An owner that inherited a descriptor without close-on-exec: Node's spawn passes it on.
    // It sits at fd 40: Node 20 marks an inherited fd 3 close-on-exec at startup (measured
    // here), one at 40 it leaves alone.
    const index = fileURLToPath(new URL("../../../dist/index.js", import.meta.url));
    const dir = mkdtempSync(join(tmpdir(), "pk-native-child-"));
    const script = join(dir, "owner.mjs");
    // Judged by the leaked pipe itself (a fd of the child naming the owner's fd 40), not by a
    // count: the child's dynamic loader holds a library on fd 3 for a moment, and a loaded
    // machine can show that moment to any single look.
    writeFileSync(
      script,
      `import { spawn } from "node:child_process";
       import { readdirSync, readlinkSync } from "node:fs";
       const { Command } = await import(${JSON.stringify(index)});
       const leaked = readlinkSync("/proc/self/fd/40");
       const links = (pid) =>
         readdirSync("/proc/" + pid + "/fd").map((fd) => { try { return readlinkSync("/proc/" + pid + "/fd/" + fd); } catch { return ""; } });
       const fds = (pid) => readdirSync("/proc/" + pid + "/fd").sort();
       const raw = spawn("sleep", ["300"], { stdio: "ignore" });
       const ours = await new Command("sleep", ["300"]).start();
       let rawLeak = false, oursLeak = false, settled = [];
       for (let i = 0; i < 400; i++) {
         rawLeak ||= links(raw.pid).includes(leaked);
         oursLeak ||= links(ours.pid).includes(leaked);
         settled = fds(ours.pid);
         if (rawLeak && settled.join() === "0,1,2") break;
         await new Promise((r) => setTimeout(r, 5));
       }
       console.log(JSON.stringify({ leaked, rawLeak, oursLeak, settled }));
       raw.kill("SIGKILL");
       await ours.kill();`,
    );
    const stdio = ["ignore", "pipe", "inherit", ...Array<"ignore">(37).fill("ignore"), "pipe"] as const;
    const owner = spawn(process.execPath, [script], { stdio: [...stdio] });
    let out = "";
    owner.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    await new Promise((resolve) => owner.once("close", resolve));
    rmSync(dir, { recursive: true, force: true });
    const seen = JSON.parse(out) as {
      leaked: string;
      rawLeak: boolean;
      oursLeak: boolean;
      settled: string[];
    };
    expect(seen.leaked).toMatch(/^(pipe|socket):/); // Node makes a "pipe" stdio from a socketpair
    expect(seen.rawLeak).toBe(true); // the owner's descriptor reached Node's child
    expect(seen.oursLeak).toBe(false);
    expect(seen.settled).toEqual(["0", "1", "2"]);
  });
});

describe.runIf(load.ok)("spawnNative into a cgroup directory", () => {
  const located = locateCgroup();
  const cases = [
    ["born there (CLONE_INTO_CGROUP)", false],
    ["joining by a cgroup.procs write (the fallback for kernels < 5.7)", true],
  ] as const;
  it.runIf(located.ok).each(cases)("%s", async (_name, forceWriteJoin) => {
    if (!located.ok || !load.ok) return;
    const cg = join(located.path, `pk-native-test-${process.pid}-${forceWriteJoin ? "w" : "c"}`);
    mkdirSync(cg);
    const pids: number[] = [];
    try {
      const child = spawnNative(load.addon, {
        file: "/bin/sleep",
        argv: ["sleep", "300"],
        env: {},
        stdio: ["ignore", "ignore", "ignore"],
        placement: { kind: "cgroup", dir: cg },
        forceWriteJoin,
      });
      pids.push(child.pid);
      const exited = new Promise<[number | null, string | null]>((resolve) =>
        child.once("exit", (code: number | null, signal: string | null) => resolve([code, signal])),
      );
      const relative = cg.slice(located.mount.mountPoint.length) || "/";
      expect(readFileSync(`/proc/${child.pid}/cgroup`, "utf8")).toContain(`0::${relative}\n`);
      expect(readFileSync(join(cg, "cgroup.procs"), "utf8").trim()).toBe(String(child.pid));
      expect(child.kill("SIGTERM")).toBe(true);
      expect(await exited).toEqual([null, "SIGTERM"]);
      expect(child.kill("SIGTERM")).toBe(false); // exited: never a signal to a reused pid
    } finally {
      killPids(pids);
      for (const pid of pids) await waitDead(pid);
      rmdirSync(cg);
    }
  });
});
