/** The error hierarchy: reasons, names, one-line messages with the stderr tail, and no env values anywhere. */
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { lastLine } from "../src/errors.js";
import {
  CancelledError,
  CassetteMissError,
  Command,
  ExitError,
  InvalidInputError,
  NotFoundError,
  NotReadyError,
  OutputTooLargeError,
  ParseError,
  ProcessError,
  ResourceLimitError,
  type SignalledError,
  SpawnError,
  StdinError,
  type TimeoutError,
  UnsupportedError,
} from "../src/index.js";
import { node } from "./helpers/scripts.js";

const SECRET = "env-secret-sentinel-77Hq";

describe("lastLine", () => {
  it("is the last non-empty trimmed line", () => {
    expect(lastLine("a\nb\n\n  \n")).toBe("b");
    expect(lastLine("  only  ")).toBe("only");
    expect(lastLine("")).toBe("");
    expect(lastLine("\n\n")).toBe("");
    expect(lastLine("x\r\ny\r\n")).toBe("y");
  });
  it("is at most 200 characters", () => {
    const long = "e".repeat(300);
    const tail = lastLine(`first\n${long}\n`);
    expect(tail.length).toBe(200);
    expect(tail.endsWith("…")).toBe(true);
  });
});

describe("classes", () => {
  it("each has its reason, its name and is a ProcessError", () => {
    const errors: [ProcessError, string, string][] = [
      [new SpawnError("p", "m"), "spawn", "SpawnError"],
      [new NotFoundError("p", ["/bin"]), "not-found", "NotFoundError"],
      [new CancelledError("p", "why"), "cancelled", "CancelledError"],
      [new OutputTooLargeError("p", "stdout", "too big"), "output-too-large", "OutputTooLargeError"],
      [new NotReadyError("p", "m"), "not-ready", "NotReadyError"],
      [new ParseError("p", "m"), "parse", "ParseError"],
      [new StdinError("p", "m"), "stdin", "StdinError"],
      [new ResourceLimitError("memoryMax", "m"), "resource-limit", "ResourceLimitError"],
      [new UnsupportedError("op", "m"), "unsupported", "UnsupportedError"],
      [new InvalidInputError("arg", "m"), "invalid-input", "InvalidInputError"],
      [new CassetteMissError("p", "m"), "cassette-miss", "CassetteMissError"],
    ];
    for (const [error, reason, name] of errors) {
      expect(error).toBeInstanceOf(Error);
      expect(error).toBeInstanceOf(ProcessError);
      expect(error.reason).toBe(reason);
      expect(error.name).toBe(name);
      expect(String(error).startsWith(`${name}: `)).toBe(true);
      expect(error.stack).toContain(name);
    }
  });

  it("CancelledError keeps the abort reason as cause", () => {
    const reason = { any: "value" };
    expect(new CancelledError("p", reason).cause).toBe(reason);
  });

  it("SpawnError exposes the errno code of its cause", () => {
    const cause = Object.assign(new Error("x"), { code: "EACCES" });
    const e = new SpawnError("p", "m", cause);
    expect(e.code).toBe("EACCES");
    expect(e.cause).toBe(cause);
    expect(new SpawnError("p", "m").code).toBeUndefined();
  });

  it("NotFoundError says how many directories were searched", () => {
    expect(new NotFoundError("git", ["/a", "/b"]).message).toBe(
      "git: not found on PATH (searched 2 directories)",
    );
    expect(new NotFoundError("git", ["/a"]).message).toBe("git: not found on PATH (searched 1 directory)");
  });
});

describe("messages from real runs", () => {
  it("are one line with the program and the last stderr line (≤ 200 chars)", async () => {
    const e = (await node(`console.error("noise\\n" + "Z".repeat(500)); process.exit(9)`)
      .run()
      .catch((x: unknown) => x)) as ExitError;
    expect(e).toBeInstanceOf(ExitError);
    expect(e.message).not.toContain("\n");
    expect(e.message.startsWith(`${process.execPath} exited with code 9: ZZZ`)).toBe(true);
    expect(e.message.length).toBeLessThanOrEqual(process.execPath.length + 30 + 200);
    expect(e.stderr.length).toBeGreaterThan(500); // the full stderr is still on the error
  });

  it("without stderr the message is just the head", async () => {
    const e = (await new Command("false").run().catch((x: unknown) => x)) as ExitError;
    expect(e.message).toBe("false exited with code 1");
  });

  it("reason is a usable discriminant", async () => {
    const e = await new Command("false").run().catch((x: unknown) => x);
    let kind = "";
    if (e instanceof ProcessError) {
      switch (e.reason) {
        case "exit":
          kind = `exit ${(e as ExitError).exitCode}`;
          break;
        default:
          kind = e.reason;
      }
    }
    expect(kind).toBe("exit 1");
  });
});

describe("env values never appear in errors", () => {
  const secretEnv = { API_TOKEN: SECRET, OTHER: `${SECRET}-2` };
  const failing: [string, () => Promise<unknown>][] = [
    ["ExitError", () => node(`process.exit(4)`).env(secretEnv).run()],
    ["TimeoutError", () => node(`setInterval(() => {}, 1000)`).env(secretEnv).timeout(200).run()],
    ["SignalledError", () => new Command("sh", ["-c", "kill -KILL $$"]).env(secretEnv).run()],
    ["NotFoundError", () => new Command("no-such-prog-5a").env(secretEnv).run()],
    ["SpawnError (cwd)", () => new Command("true").env(secretEnv).cwd("/no/such/dir").run()],
    ["ParseError", () => node(`console.log("{")`).env(secretEnv).json()],
    [
      "OutputTooLargeError",
      () =>
        node(`console.log("x".repeat(100))`)
          .env(secretEnv)
          .outputLimit({ maxBytes: 1, onOverflow: "error" })
          .run(),
    ],
    [
      "CancelledError",
      () => node(`setInterval(() => {}, 1000)`).env(secretEnv).cancelOn(AbortSignal.timeout(200)).run(),
    ],
    ["StdinError", () => new Command("cat").env(secretEnv).stdin({ file: "/no/such/file" }).run()],
    [
      "SpawnError (E2BIG)",
      () => new Command("true").env({ ...secretEnv, HUGE: "h".repeat(3_000_000) }).run(),
    ],
    ["InvalidInputError (env value)", async () => new Command("x").env({ API_TOKEN: `${SECRET}\0` })],
    ["InvalidInputError (verb)", () => new Command("x").env(secretEnv).stdout("ignore").json()],
  ];

  for (const [name, run] of failing) {
    it(name, async () => {
      const error = await run().then(
        () => {
          throw new Error("expected a failure");
        },
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ProcessError);
      const e = error as ProcessError;
      const views = [
        e.message,
        String(e),
        e.stack ?? "",
        JSON.stringify(e),
        JSON.stringify((e as { result?: unknown }).result ?? null),
        inspect(e, { depth: 20, showHidden: true }),
      ];
      for (const view of views) expect(view).not.toContain(SECRET);
    });
  }

  it("positive control: the child really had the secret", async () => {
    expect(await node(`console.log(process.env.API_TOKEN)`).env(secretEnv).run()).toBe(SECRET);
  });
});

describe("error fields", () => {
  it("TimeoutError and SignalledError carry the result", async () => {
    const t = (await new Command("sh", ["-c", "echo p; exec sleep 300"])
      .timeout(700)
      .run()
      .catch((x: unknown) => x)) as TimeoutError;
    expect(t.result.timedOut).toBe(true);
    expect(t.stdout).toBe("p\n");
    const s = (await new Command("sh", ["-c", "echo q; kill -KILL $$"])
      .run()
      .catch((x: unknown) => x)) as SignalledError;
    expect(s.signal).toBe("SIGKILL");
    expect(s.stdout).toBe("q\n");
    expect(s.result.signal).toBe("SIGKILL");
  });
});
