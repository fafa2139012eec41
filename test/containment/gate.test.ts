/**
 * The launch gate: the launcher runs the target only after the owner opened the gate; an owner
 * that dies first (its end of the socket closes without the line) means the target never runs.
 * The target never inherits the gate's fd, and the gate's shell variable never leaks into (or
 * clobbers) the target's environment.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GATE_FD, openGate } from "../../src/containment/gate.js";
import { launcherPlan } from "../../src/containment/launcher.js";
import { track } from "./support.js";

const tmp = mkdtempSync(join(tmpdir(), "processkit-gate-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function gated(file: string, args: string[], env: NodeJS.ProcessEnv = { PATH: "/usr/bin:/bin" }) {
  const plan = launcherPlan({ gate: true }, file, args, { stdio: ["ignore", "pipe", "pipe"], env });
  expect(plan.gate).toBe(GATE_FD);
  const child = spawn(plan.file, plan.args, plan.options);
  track(child.pid as number);
  let stdout = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const closed = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  return { child, closed, stdout: () => stdout };
}

describe("the launch gate", () => {
  it("holds the target until the gate opens", async () => {
    const marker = join(tmp, "held");
    const run = gated("/bin/sh", ["-c", `touch '${marker}'`]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(existsSync(marker)).toBe(false); // the launcher is alive, waiting
    openGate(run.child);
    expect(await run.closed).toBe(0);
    expect(existsSync(marker)).toBe(true);
  });

  it("EOF on the gate (the owner died before registering) means the target never runs", async () => {
    const marker = join(tmp, "never");
    const run = gated("/bin/touch", [marker]);
    (run.child.stdio[GATE_FD] as unknown as { destroy(): void }).destroy(); // what the owner's death does
    expect(await run.closed).not.toBe(0);
    expect(existsSync(marker)).toBe(false);
  });

  it("the target does not inherit fd 3 and sees its environment unchanged", async () => {
    const run = gated(
      "/bin/sh",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a template
      ["-c", '[ -e /proc/$$/fd/3 ] && echo has-fd-3; echo "gate=${PROCESSKIT_GATE-unset}"'],
      {
        PATH: "/usr/bin:/bin",
      },
    );
    openGate(run.child);
    expect(await run.closed).toBe(0);
    const lines = run.stdout().trim().split("\n");
    expect(lines).toEqual(["gate=unset"]);
  });

  it("a PROCESSKIT_GATE in the environment reaches the target with its own value", async () => {
    const run = gated("/bin/sh", ["-c", 'echo "gate=$PROCESSKIT_GATE"'], {
      PATH: "/usr/bin:/bin",
      PROCESSKIT_GATE: "mine",
    });
    openGate(run.child);
    expect(await run.closed).toBe(0);
    expect(run.stdout().trim()).toBe("gate=mine");
  });
});
