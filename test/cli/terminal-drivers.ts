/**
 * Pseudo terminals for CLI tests: tmux (send-keys / capture-pane, escapes kept) and util-linux
 * `script`, each driving `sh SCRIPT` in a terminal we can type into and read from.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { join } from "node:path";
import { killPids, waitDead } from "../helpers/procs.js";

function which(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? "/usr/bin:/bin").split(":")) {
    const file = join(dir || ".", program);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // next
    }
  }
  return undefined;
}

export const TMUX = which("tmux");
export const SCRIPT = which("script");

/** A terminal we can type into and read from. */
export interface Terminal {
  screen(): string;
  type(text: string): void;
  ctrlC(): void;
  close(): Promise<void>;
}

let serial = 0;

function tmuxTerminal(tmux: string, shellScript: string): Terminal {
  const socket = `processkit-test-${process.pid}-${++serial}`;
  const run = (...args: string[]) => execFileSync(tmux, ["-L", socket, ...args], { encoding: "utf8" });
  run("-f", "/dev/null", "new-session", "-d", "-x", "160", "-y", "50", `sh ${shellScript}`);
  const serverPid = Number(run("display-message", "-p", "#{pid}").trim());
  return {
    screen: () => {
      try {
        return run("capture-pane", "-e", "-p", "-S", "-200");
      } catch {
        return "";
      }
    },
    type: (text) => {
      run("send-keys", "-l", text);
      run("send-keys", "Enter");
    },
    ctrlC: () => void run("send-keys", "C-c"),
    close: async () => {
      try {
        run("kill-server");
      } catch {
        // already gone
      }
      if (!(await waitDead(serverPid, 5_000))) killPids([serverPid]);
    },
  };
}

function scriptTerminal(script: string, shellScript: string): Terminal {
  // -q quiet, -f flush, -e pass the exit status, -c the command; the typescript goes nowhere.
  const child: ChildProcess = spawn(script, ["-qfec", `sh ${shellScript}`, "/dev/null"], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    output += d;
  });
  return {
    screen: () => output,
    type: (text) => void child.stdin?.write(`${text}\r`),
    ctrlC: () => void child.stdin?.write("\x03"),
    close: async () => {
      child.stdin?.end();
      // The pane shell was killed by pid: script follows at once.
      if (child.pid !== undefined && !(await waitDead(child.pid, 5_000))) child.kill("SIGKILL");
    },
  };
}

export const DRIVERS: Array<[string, ((shellScript: string) => Terminal) | undefined]> = [
  ["tmux", TMUX === undefined ? undefined : (s) => tmuxTerminal(TMUX, s)],
  ["script", SCRIPT === undefined ? undefined : (s) => scriptTerminal(SCRIPT, s)],
];

if (TMUX === undefined && SCRIPT === undefined) {
  // Said loudly, once: this check needs a pseudo terminal driver.
  console.warn("terminal tests skipped: neither tmux nor script (util-linux) is installed");
}
