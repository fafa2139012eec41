/**
 * Interactive children at a real terminal: `processkit run` must let the child read the
 * terminal (it sees a TTY on stdin) and Ctrl-C must reach it — exactly once per keypress, as
 * in a shell (not twice: once from the kernel, once forwarded). Driven through a pseudo
 * terminal, with tmux (send-keys / capture-pane) and with util-linux `script`, on every
 * containment mechanism this host has.
 *
 * Under cgroup v2 the child shares the CLI's process group, so it is in the terminal's
 * foreground group and gets Ctrl-C from the kernel; under process groups it is in a session
 * of its own and the CLI forwards the SIGINT — either way, once.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isAlive, killPids, NODE, waitDead } from "../helpers/procs.js";
import { CLI, MECHANISMS, pidsFrom, tempDir, waitUntil } from "./cli.js";
import { DRIVERS, type Terminal } from "./terminal-drivers.js";

/** The interactive child: reports whether stdin is a TTY, echoes lines, counts SIGINTs, exits 3 on "quit". */
const CHILD = `
let interrupts = 0;
process.on("SIGINT", () => console.log("CHILD-GOT-SIGINT " + ++interrupts));
require("fs").appendFileSync(process.argv[2], process.pid + "\\n");
console.log("READY tty=" + process.stdin.isTTY);
let buffer = "";
process.stdin.setEncoding("utf8").on("data", (chunk) => {
  buffer += chunk;
  let nl;
  while ((nl = buffer.indexOf("\\n")) !== -1) {
    const line = buffer.slice(0, nl).trim();
    buffer = buffer.slice(nl + 1);
    console.log("ECHO:" + line);
    if (line === "quit") process.exit(3);
  }
});
`;

/** The pane's shell: ignores SIGINT itself (so it survives to report), runs the CLI, prints its status. */
function paneScript(dir: string, mechanism: string, command: string): string {
  const file = join(dir, "pane.sh");
  writeFileSync(
    file,
    [
      `echo $$ >> '${join(dir, "pane.pid")}'`,
      "trap '' INT",
      `PROCESSKIT_MECHANISM=${mechanism} '${NODE}' '${CLI}' run -- ${command}`,
      'echo "EXIT=$?"',
      "exec sleep 30 # keeps a tmux pane readable; killed by pid at the end",
      "",
    ].join("\n"),
  );
  return file;
}

const open: Array<{ terminal: Terminal; dir: string }> = [];
afterEach(async () => {
  for (const { terminal, dir } of open.splice(0)) {
    killPids(pidsFrom(join(dir, "pane.pid")));
    await terminal.close();
  }
});

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe.each(DRIVERS)(
  "processkit run at a terminal driven by %s (skipped only if it is not installed)",
  (_name, driver) => {
    describe.each(MECHANISMS)("under %s", (mechanism) => {
      it.skipIf(driver === undefined)(
        "an interactive child reads the terminal and gets each Ctrl-C once",
        async () => {
          const dir = tempDir();
          const pidFile = join(dir, "pids");
          const childFile = join(dir, "child.js");
          writeFileSync(childFile, CHILD);
          const terminal = (driver as (s: string) => Terminal)(
            paneScript(dir, mechanism, `'${NODE}' '${childFile}' '${pidFile}'`),
          );
          open.push({ terminal, dir });
          await waitUntil(() => terminal.screen().includes("READY"), "the child to start", 20_000);
          expect(terminal.screen()).toContain("READY tty=true");
          const [childPid] = pidsFrom(pidFile);

          terminal.type("hello");
          await waitUntil(() => terminal.screen().includes("ECHO:hello"), "the child to read the terminal");

          terminal.ctrlC();
          await waitUntil(
            () => terminal.screen().includes("CHILD-GOT-SIGINT 1"),
            "Ctrl-C to reach the child",
          );
          // Still alive and still reading: Ctrl-C belongs to the child, the CLI did not stop it.
          terminal.type("again");
          await waitUntil(() => terminal.screen().includes("ECHO:again"), "the child to keep reading");
          expect(count(terminal.screen(), "CHILD-GOT-SIGINT")).toBe(1); // delivered once, not twice

          terminal.ctrlC();
          await waitUntil(() => terminal.screen().includes("CHILD-GOT-SIGINT 2"), "the second Ctrl-C");
          expect(isAlive(childPid as number)).toBe(true);

          terminal.type("quit");
          await waitUntil(() => terminal.screen().includes("EXIT="), "the CLI to finish");
          expect(terminal.screen()).toContain("EXIT=3");
          expect(count(terminal.screen(), "CHILD-GOT-SIGINT")).toBe(2);
          expect(await waitDead(childPid as number)).toBe(true);
        },
      );

      it.skipIf(driver === undefined)(
        "Ctrl-C ends a child that does not handle it: the tree is gone, the shell sees 130",
        async () => {
          const dir = tempDir();
          const pidFile = join(dir, "pids");
          const terminal = (driver as (s: string) => Terminal)(
            paneScript(
              dir,
              mechanism,
              `sh -c 'sleep 300 & echo $! >> ${pidFile}; echo $$ >> ${pidFile}; echo STARTED; wait'`,
            ),
          );
          open.push({ terminal, dir });
          await waitUntil(() => pidsFrom(pidFile).length >= 2, "the tree to start", 20_000);
          await waitUntil(() => terminal.screen().includes("STARTED"), "the tree to start");
          const pids = pidsFrom(pidFile);
          for (const pid of pids) expect(isAlive(pid)).toBe(true);
          terminal.ctrlC();
          await waitUntil(() => terminal.screen().includes("EXIT="), "the CLI to finish");
          expect(terminal.screen()).toContain("EXIT=130");
          for (const pid of pids) expect(await waitDead(pid)).toBe(true);
        },
      );
    });
  },
);
