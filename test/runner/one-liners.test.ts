/** run(program, args?, options?) and output(...): a Command and a verb in one call. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  CancelledError,
  ExitError,
  OutputTooLargeError,
  output,
  run,
  TimeoutError,
} from "../../src/index.js";

const NODE = process.execPath;
const dir = mkdtempSync(join(tmpdir(), "pk-oneliners-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("run()", () => {
  it("args are optional; stdout trimmed", async () => {
    expect(await run("pwd")).toBe(process.cwd());
    expect(await run("echo", ["a", "b c"])).toBe("a b c");
  });
  it("throws ExitError on failure", async () => {
    await expect(run("false")).rejects.toBeInstanceOf(ExitError);
  });
  it("takes every option key", async () => {
    const lines: string[] = [];
    const errLines: string[] = [];
    const out = await run(
      NODE,
      [
        "-e",
        `let s = ""; process.stdin.on("data", (c) => s += c).on("end", () => { console.log(process.cwd() + "|" + process.env.A + "|" + s.trim()); console.error("e"); process.exit(3); })`,
      ],
      {
        cwd: dir,
        env: { A: "1" },
        stdin: "input",
        okCodes: [3],
        timeout: "20s",
        timeoutGrace: "1s",
        timeoutSignal: "SIGINT",
        inactivityTimeout: "20s",
        encoding: "utf8",
        outputLimit: { maxBytes: "1M", onOverflow: "error" },
        onStdoutLine: (l) => lines.push(l),
        onStderrLine: (l) => errLines.push(l),
        cancelOn: new AbortController().signal,
      },
    );
    expect(out).toBe(`${dir}|1|input`);
    expect(lines).toEqual([`${dir}|1|input`]);
    expect(errLines).toEqual(["e"]);
  });
  it("timeout, cancel and limits behave as on the builder", async () => {
    await expect(run("sleep", ["300"], { timeout: 200 })).rejects.toBeInstanceOf(TimeoutError);
    await expect(run("sleep", ["300"], { cancelOn: AbortSignal.timeout(200) })).rejects.toBeInstanceOf(
      CancelledError,
    );
    await expect(
      run("head", ["-c", "5000", "/dev/zero"], { outputLimit: { maxBytes: 10, onOverflow: "drop-oldest" } }),
    ).rejects.toBeInstanceOf(OutputTooLargeError);
  });
});

describe("output()", () => {
  it("returns the result; failures are data", async () => {
    const r = await output("sh", ["-c", "echo out; echo err >&2; exit 5"]);
    expect(r.stdout).toBe("out\n");
    expect(r.stderr).toBe("err\n");
    expect(r.exitCode).toBe(5);
  });
  it("stdout/stderr modes and envRemove/envClear/inheritEnv", async () => {
    const file = join(dir, "out.txt");
    const r = await output("sh", ["-c", 'echo "[$HOME]"; echo err >&2'], {
      stdout: { file },
      stderr: "ignore",
      envRemove: ["HOME"],
    });
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("");
    expect(readFileSync(file, "utf8")).toBe("[]\n");
    expect((await output("sh", ["-c", 'echo "[$HOME]"'], { inheritEnv: ["HOME"] })).stdout).toBe(
      `[${process.env.HOME}]\n`,
    );
  });
});
