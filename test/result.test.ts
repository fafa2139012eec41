/** ProcessResult as data: derived fields, ensureSuccess order, JSON form. */
import { describe, expect, it } from "vitest";
import { ExitError, type Outcome, ProcessResult, SignalledError, TimeoutError } from "../src/index.js";

const make = (
  outcome: Outcome,
  extra: Partial<ConstructorParameters<typeof ProcessResult<string>>[0]> = {},
) =>
  new ProcessResult<string>({
    program: "prog",
    args: ["a"],
    stdout: "out\n",
    stderr: "line one\nlast line\n",
    outcome,
    durationMs: 12.5,
    truncated: false,
    ...extra,
  });

describe("ProcessResult", () => {
  it("exited 0", () => {
    const r = make({ kind: "exited", code: 0 });
    expect(r.exitCode).toBe(0);
    expect(r.signal).toBeNull();
    expect(r.timedOut).toBe(false);
    expect(r.isSuccess).toBe(true);
    expect(r.okCodes).toEqual([0]);
    expect(r.ensureSuccess()).toBe(r);
  });

  it("exited non-zero → ExitError carrying the result", () => {
    const r = make({ kind: "exited", code: 2 });
    expect(r.isSuccess).toBe(false);
    try {
      r.ensureSuccess();
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ExitError);
      expect((error as ExitError).exitCode).toBe(2);
      expect((error as ExitError).result).toBe(r);
      expect((error as ExitError).message).toBe("prog exited with code 2: last line");
    }
  });

  it("okCodes decide isSuccess", () => {
    expect(make({ kind: "exited", code: 2 }, { okCodes: [0, 2] }).isSuccess).toBe(true);
    expect(make({ kind: "exited", code: 0 }, { okCodes: [2] }).isSuccess).toBe(false);
  });

  it("signalled: exitCode null (never -1), signal set, SignalledError", () => {
    const r = make({ kind: "signalled", signal: "SIGSEGV" });
    expect(r.exitCode).toBeNull();
    expect(r.signal).toBe("SIGSEGV");
    expect(r.isSuccess).toBe(false);
    expect(() => r.ensureSuccess()).toThrow(SignalledError);
    expect(() => r.ensureSuccess()).toThrow("prog was killed by SIGSEGV: last line");
  });

  it("timed-out and inactivity-timed-out: exitCode null, timedOut, TimeoutError first", () => {
    const t = make({ kind: "timed-out" }, { rawSignal: "SIGKILL", timeoutMs: 1000, okCodes: [0, 137] });
    expect(t.exitCode).toBeNull();
    expect(t.timedOut).toBe(true);
    expect(t.signal).toBe("SIGKILL"); // the raw signal that ended it, for diagnosis
    expect(t.isSuccess).toBe(false);
    expect(t.timeoutMs).toBe(1000);
    expect(() => t.ensureSuccess()).toThrow(TimeoutError);
    expect(() => t.ensureSuccess()).toThrow("prog timed out after 1000 ms: last line");
    const i = make({ kind: "inactivity-timed-out" }, { timeoutMs: 50 });
    expect(i.timedOut).toBe(true);
    try {
      i.ensureSuccess();
    } catch (error) {
      expect((error as TimeoutError).inactivity).toBe(true);
      expect((error as TimeoutError).message).toBe("prog produced no output for 50 ms: last line");
    }
  });

  it("stdoutTruncated defaults to truncated when a runner cannot tell", () => {
    expect(make({ kind: "exited", code: 0 }, { truncated: true }).stdoutTruncated).toBe(true);
    expect(
      make({ kind: "exited", code: 0 }, { truncated: true, stdoutTruncated: false }).stdoutTruncated,
    ).toBe(false);
  });

  it("withStdout maps stdout and keeps everything else", () => {
    const r = make({ kind: "exited", code: 3 }, { okCodes: [3], truncated: true, stdoutTruncated: false });
    const n = r.withStdout(42);
    expect(n.stdout).toBe(42);
    expect(n.exitCode).toBe(3);
    expect(n.isSuccess).toBe(true);
    expect(n.truncated).toBe(true);
    expect(n.stdoutTruncated).toBe(false);
    expect(n.stderr).toBe(r.stderr);
  });

  it("a byte result's errors carry the text", () => {
    const r = new ProcessResult<Uint8Array>({
      program: "p",
      args: [],
      stdout: new TextEncoder().encode("bytes ü"),
      stderr: "",
      outcome: { kind: "exited", code: 1 },
      durationMs: 1,
      truncated: false,
    });
    try {
      r.ensureSuccess();
    } catch (error) {
      expect((error as ExitError).stdout).toBe("bytes ü");
      expect((error as ExitError).message).toBe("p exited with code 1");
    }
  });

  it("toJSON", () => {
    const r = make({ kind: "exited", code: 0 });
    expect(JSON.parse(JSON.stringify(r))).toEqual({
      program: "prog",
      args: ["a"],
      outcome: { kind: "exited", code: 0 },
      exitCode: 0,
      signal: null,
      timedOut: false,
      durationMs: 12.5,
      truncated: false,
      stdout: "out\n",
      stderr: "line one\nlast line\n",
    });
    const bytes = new ProcessResult<Uint8Array>({
      program: "p",
      args: [],
      stdout: new Uint8Array(5),
      stderr: "",
      outcome: { kind: "exited", code: 0 },
      durationMs: 1,
      truncated: false,
    });
    expect(bytes.toJSON().stdout).toBe("<5 bytes>");
  });
});
