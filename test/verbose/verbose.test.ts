/**
 * Verbose mode: one line per spawn and per exit, for a success, a failure, a timeout and a
 * cancel; args only when asked (through the redaction hook); env values never; off costs no
 * subscriber; PROCESSKIT_DEBUG turns it on, also on a real terminal (util-linux `script`).
 */
import { hasSubscribers } from "node:diagnostics_channel";
import { existsSync } from "node:fs";
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { CancelledError, Command, InvalidInputError, type VerboseHandle, verbose } from "../../src/index.js";
import { NODE } from "../helpers/procs.js";
import { node } from "../helpers/scripts.js";
import { watchChannels } from "../helpers/watch.js";

const SECRET_ENV = "env-sentinel-Hq27";
const SECRET_ARG = "argv-sentinel-Lm40";
const DIST = new URL("../../dist/index.js", import.meta.url).href;

let handle: VerboseHandle | undefined;
afterEach(() => handle?.stop());

function capture(options: Parameters<typeof verbose>[0] = {}): string[] {
  const lines: string[] = [];
  handle = verbose({ ...options, write: (line) => lines.push(line) });
  return lines;
}

const STAMP = String.raw`\[\d\d:\d\d:\d\d\.\d{3}\] processkit #(\d+)`;

describe("verbose()", () => {
  it("a success: a spawn line (program, pid, mechanism, cwd) and an exit line (outcome, duration)", async () => {
    const lines = capture();
    const watch = watchChannels();
    await node("", [SECRET_ARG]).cwd("/tmp").env({ TOKEN: SECRET_ENV }).run();
    watch.stop();
    // What verbose mode looks up is kept beside the payloads: other subscribers still see no argv.
    for (const { payload } of watch.events) {
      expect(Object.keys(payload).sort()).not.toContain("args");
      expect(inspect(payload, { showHidden: true, depth: 5 })).not.toContain(SECRET_ARG);
    }
    expect(lines).toHaveLength(2);
    const [spawn, exit] = lines as [string, string];
    expect(spawn).toMatch(
      new RegExp(`^${STAMP} spawn \\S*node \\(pid \\d+, (cgroup-v2|process-group), cwd /tmp\\)$`),
    );
    expect(exit).toMatch(new RegExp(`^${STAMP} exit  \\S*node ✔ exited 0 in \\d+ ms$`));
    expect(spawn.match(STAMP)?.[1]).toBe(exit.match(STAMP)?.[1]); // the same run number
    expect(lines.join("\n")).not.toContain(SECRET_ARG); // args are opt-in
    expect(lines.join("\n")).not.toContain(SECRET_ENV);
  });

  it("a failure: the exit line says the code and ends with the stderr tail", async () => {
    const lines = capture();
    await new Command("sh", ["-c", "echo first >&2; echo 'fatal: the real reason' >&2; exit 3"]).output();
    expect(lines[1]).toMatch(new RegExp(`^${STAMP} exit  sh ✖ exited 3 in \\d+ ms: fatal: the real reason$`));
  });

  it("okCodes decide success: an accepted non-zero code is a ✔ without a tail", async () => {
    const lines = capture();
    await new Command("sh", ["-c", "echo noise >&2; exit 1"]).okCodes([0, 1]).output();
    expect(lines[1]).toMatch(/ exit {2}sh ✔ exited 1 in \d+ ms$/);
  });

  it("a timeout: the exit line says timed out, with the deadline", async () => {
    const lines = capture();
    await node("setInterval(() => {}, 1000)").timeout("200ms").output();
    expect(lines[1]).toMatch(
      new RegExp(`^${STAMP} exit  \\S*node ✖ timed out in [\\d.]+ m?s \\(timeout 200 ms\\)$`),
    );
  });

  it("a cancel: the exit line says cancelled", async () => {
    const lines = capture();
    const controller = new AbortController();
    const run = node("setInterval(() => {}, 1000)").cancelOn(controller.signal).run();
    setTimeout(() => controller.abort(), 100);
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(lines[0]).toMatch(/ spawn \S*node \(pid \d+/);
    expect(lines[1]).toMatch(new RegExp(`^${STAMP} exit  \\S*node ✖ cancelled in [\\d.]+ m?s$`));
  });

  it("args when asked, through the redaction hook; a failing hook hides them", async () => {
    const shown = capture({ args: (args) => args.map((a) => (a === SECRET_ARG ? "REDACTED" : a)) });
    await new Command("echo", ["hello world", SECRET_ARG]).run();
    expect(shown[0]).toMatch(/ spawn echo 'hello world' REDACTED \(pid/);
    handle?.stop();
    const all = capture({ args: true });
    await new Command("echo", ["plain"]).run();
    expect(all[0]).toMatch(/ spawn echo plain \(pid/);
    handle?.stop();
    const broken = capture({
      args: () => {
        throw new Error(SECRET_ARG);
      },
    });
    await new Command("echo", [SECRET_ARG]).run();
    expect(broken[0]).toContain("<args hidden: the redaction hook failed>");
    expect(broken.join("\n")).not.toContain(SECRET_ARG);
  });

  it("output: true prints every output line between the spawn and exit lines, in order", async () => {
    const lines = capture({ output: true });
    const seen: string[] = [];
    await new Command("sh", ["-c", "echo one; echo two >&2; echo three"])
      .onStdoutLine((l) => seen.push(l))
      .run();
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/ spawn sh /);
    expect(
      lines
        .slice(1, 4)
        .map((l) => l.replace(/^.*processkit #\d+ /, ""))
        .sort(),
    ).toEqual(["err   two", "out   one", "out   three"]);
    expect(
      lines
        .slice(1, 4)
        .filter((l) => l.includes(" out "))
        .map((l) => l.slice(-5)),
    ).toEqual(["  one", "three"]);
    expect(lines[4]).toMatch(/ exit {2}sh ✔/);
    expect(seen).toEqual(["one", "three"]); // the command's own handlers are untouched
  });

  it("off costs nothing: no subscriber before verbose() and after stop()", () => {
    expect(hasSubscribers("processkit:spawn")).toBe(false);
    const h = verbose({ write: () => {} });
    expect(hasSubscribers("processkit:spawn")).toBe(true);
    h.stop();
    h.stop();
    expect(hasSubscribers("processkit:spawn")).toBe(false);
    expect(hasSubscribers("processkit:exit")).toBe(false);
  });

  it("a throwing sink never breaks the run", async () => {
    handle = verbose({
      write: () => {
        throw new Error("sink broke");
      },
    });
    expect(await new Command("echo", ["fine"]).run()).toBe("fine");
  });

  it("bad options are typed errors", () => {
    expect(() => verbose({ arg: true } as never)).toThrow(InvalidInputError);
    expect(() => verbose({ args: "yes" as never })).toThrow(/args must be a boolean or a function/);
    expect(() => verbose({ write: 1 as never })).toThrow(/write must be a function/);
  });
});

describe("PROCESSKIT_DEBUG", () => {
  const script = `const pk = await import(${JSON.stringify(DIST)});
    await pk.run("echo", ["${SECRET_ARG}"], { env: { TOKEN: "${SECRET_ENV}" } });
    await pk.output("sh", ["-c", "echo boom >&2; exit 2"]);`;
  const child = (value: string) =>
    new Command(NODE, ["--input-type=module", "-e", script]).env({ PROCESSKIT_DEBUG: value }).output();

  it("=1 prints the lines on stderr (no colors when stderr is not a terminal); env values never", async () => {
    const result = await child("1");
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/ spawn echo \(pid \d+/);
    expect(lines[3]).toMatch(/ exit {2}sh ✖ exited 2 in \d+ ms: boom$/);
    expect(result.stderr).not.toContain("\u001b[");
    expect(result.stderr).not.toContain(SECRET_ENV);
    expect(result.stderr).not.toContain(SECRET_ARG);
  });

  it("=args adds the args; =full the output too; =0 is off; an unknown value says how it was taken", async () => {
    expect((await child("args")).stderr).toContain(` spawn echo ${SECRET_ARG} (pid`);
    const full = (await child("full")).stderr;
    expect(full).toContain(` spawn echo ${SECRET_ARG} (pid`);
    expect(full).toMatch(/ out {3}argv-sentinel-Lm40\n/);
    expect(full).toMatch(/ err {3}boom\n/);
    expect(full).not.toContain(SECRET_ENV);
    expect((await child("0")).stderr).toBe("");
    const odd = (await child("verbose")).stderr;
    expect(odd).toMatch(/^processkit: PROCESSKIT_DEBUG is not one of 1, args, full, 0; treating it as 1\n/);
    expect(odd).toMatch(/ spawn echo \(pid/);
  });

  it.runIf(existsSync("/usr/bin/script"))(
    "on a real terminal (util-linux script): the same lines, in color",
    async () => {
      // script(1) gives the child a pty; its output is the terminal's bytes (\r\n line ends).
      const inner = `${NODE} --input-type=module -e '${script.replaceAll("'", "'\\''")}'`;
      const result = await new Command("/usr/bin/script", ["-q", "-e", "-c", inner, "/dev/null"])
        .env({ PROCESSKIT_DEBUG: "1", TERM: "xterm" })
        .envRemove(["NO_COLOR"])
        .timeout("20s")
        .output();
      const screen = result.stdout.replaceAll("\r\n", "\n");
      expect(screen).toContain("\u001b[32m✔\u001b[0m exited 0");
      expect(screen).toContain("\u001b[31m✖\u001b[0m exited 2");
      const plain = screen.replace(/\u001b\[\d+m/g, "");
      expect(plain).toMatch(
        /\[\d\d:\d\d:\d\d\.\d{3}\] processkit #1 spawn echo \(pid \d+, (cgroup-v2|process-group)\)/,
      );
      expect(plain).toMatch(/processkit #2 exit {2}sh ✖ exited 2 in \d+ ms: boom/);
      expect(plain).not.toContain(SECRET_ENV);
    },
  );
});
