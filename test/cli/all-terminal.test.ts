/**
 * `processkit all` at a real terminal (tmux and `script`), on every mechanism: three commands
 * get their prefixes in three stable colours, and Ctrl-C stops every tree — under cgroup v2
 * including a grandchild that called setsid() — with the shell seeing 130.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isAlive, killPids, NODE, waitDead } from "../helpers/procs.js";
import { CLI, MECHANISMS, pidsFrom, tempDir, treeScript, waitUntil } from "./cli.js";
import { DRIVERS, type Terminal } from "./terminal-drivers.js";

const open: Array<{ terminal: Terminal; dir: string }> = [];
afterEach(async () => {
  for (const { terminal, dir } of open.splice(0)) {
    killPids(pidsFrom(join(dir, "pane.pid")));
    await terminal.close();
  }
});

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

type Driver = (script: string) => Terminal;

/** A terminal whose shell (which ignores SIGINT itself) runs `processkit all <args>`, then prints EXIT=<status>. */
function openPane(driver: Driver, dir: string, mechanism: string, args: string): Terminal {
  const pane = join(dir, "pane.sh");
  writeFileSync(
    pane,
    [
      `echo $$ >> '${join(dir, "pane.pid")}'`,
      "trap '' INT",
      `PROCESSKIT_MECHANISM=${mechanism} '${NODE}' '${CLI}' all ${args}`,
      'echo "EXIT=$?"',
      "exec sleep 30 # keeps a tmux pane readable; killed by pid at the end",
      "",
    ].join("\n"),
  );
  const terminal = driver(pane);
  open.push({ terminal, dir });
  return terminal;
}

describe.each(DRIVERS)(
  "processkit all at a terminal driven by %s (skipped only if it is not installed)",
  (_name, driver) => {
    describe.each(MECHANISMS)("under %s", (mechanism) => {
      it.skipIf(driver === undefined)(
        "three commands: coloured prefixes; Ctrl-C → every tree gone, exit 130",
        async () => {
          const dir = tempDir();
          const setsid = mechanism === "cgroup-v2";
          const files = ["api", "web", "worker"].map((name) => join(dir, `${name}.pids`));
          const groups = files.map((file, i) => {
            const script = `echo ready-${i}\n${treeScript(file, 1, { setsid })}`;
            return `${i === 0 ? "" : "::: "}sh -c ${quote(script)}`;
          });
          const terminal = openPane(
            driver as Driver,
            dir,
            mechanism,
            `--grace 1s --names api,web,worker -- ${groups.join(" ")}`,
          );
          const perTree = 2 + (setsid ? 1 : 0);
          for (const file of files)
            await waitUntil(() => pidsFrom(file).length >= perTree, `the tree in ${file}`, 20_000);
          await waitUntil(() => terminal.screen().includes("ready-2"), "the output of all three");
          const screen = terminal.screen();
          // A stable colour per command: cyan, yellow, green (tmux may re-encode the reset).
          expect(screen).toMatch(/\u001b\[36m\[api\]/);
          expect(screen).toMatch(/\u001b\[33m\[web\]/);
          expect(screen).toMatch(/\u001b\[32m\[worker\]/);
          expect(screen).toMatch(/\[api\][^\n]* ready-0/);
          const pids = files.flatMap((file) => pidsFrom(file));
          for (const pid of pids) expect(isAlive(pid), `pid ${pid} alive before`).toBe(true);

          terminal.ctrlC();
          await waitUntil(() => terminal.screen().includes("EXIT="), "the CLI to finish", 20_000);
          expect(terminal.screen()).toContain("EXIT=130");
          for (const pid of pids) expect(await waitDead(pid, 10_000), `pid ${pid} should be gone`).toBe(true);
        },
      );

      it.skipIf(driver === undefined)(
        "Ctrl-C reaches each command once (a second copy would read as a second Ctrl-C)",
        async () => {
          const dir = tempDir();
          const pidFile = join(dir, "pids");
          // Counts the SIGINTs it gets and keeps running: the grace ends in SIGKILL.
          const counter = (name: string) =>
            `sh -c ${quote(`n=0; trap 'n=$((n+1)); echo "${name} got INT $n"' INT; echo $$ >> '${pidFile}'; echo ready-${name}; while :; do sleep 0.05; done`)}`;
          const terminal = openPane(
            driver as Driver,
            dir,
            mechanism,
            `--grace 1500ms --names a,b -- ${counter("a")} ::: ${counter("b")}`,
          );
          await waitUntil(() => pidsFrom(pidFile).length >= 2, "both commands", 20_000);
          await waitUntil(
            () => terminal.screen().includes("ready-a") && terminal.screen().includes("ready-b"),
            "both ready",
          );
          const pids = pidsFrom(pidFile);
          for (const pid of pids) expect(isAlive(pid), `pid ${pid} alive before`).toBe(true);

          terminal.ctrlC();
          await waitUntil(() => terminal.screen().includes("EXIT="), "the CLI to finish", 20_000);
          const screen = terminal.screen();
          expect(screen).toContain("a got INT 1"); // positive control: the signal arrived
          expect(screen).toContain("b got INT 1");
          expect(screen).not.toContain("got INT 2");
          for (const pid of pids) expect(await waitDead(pid, 10_000), `pid ${pid} should be gone`).toBe(true);
        },
      );
    });
  },
);
