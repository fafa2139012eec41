/** cancelOn(AbortSignal): pre-aborted runs spawn nothing, cancel beats timeout, one listener per run. */
import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { CancelledError, Command, JobRunner } from "../../src/index.js";
import { isAlive, killPids, pidsIn } from "../helpers/procs.js";
import { node } from "../helpers/scripts.js";
import { watchChannels } from "../helpers/watch.js";

const created: number[] = [];
afterEach(() => killPids(created.splice(0)));

const listeners = (signal: AbortSignal) => getEventListeners(signal, "abort").length;

describe("an already-aborted signal", () => {
  const verbs: [string, (c: Command) => Promise<unknown>][] = [
    ["output", (c) => c.output()],
    ["outputBytes", (c) => c.outputBytes()],
    ["run", (c) => c.run()],
    ["checked", (c) => c.checked()],
    ["exitCode", (c) => c.exitCode()],
    ["probe", (c) => c.probe()],
    ["parse", (c) => c.parse((s) => s)],
    ["json", (c) => c.json()],
    ["firstLine", (c) => c.firstLine()],
    ["start", (c) => c.start()],
  ];

  for (const [name, verb] of verbs) {
    it(`${name}() spawns nothing, even for a program that does not exist`, async () => {
      const watch = watchChannels();
      try {
        const controller = new AbortController();
        const reason = new Error("aborted before start");
        controller.abort(reason);
        const command = new Command("/definitely/not/a/program-4f1c").cancelOn(controller.signal);
        const error = await verb(command).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(CancelledError); // not NotFoundError: nothing was even looked up
        expect((error as CancelledError).cause).toBe(reason);
        expect((error as CancelledError).program).toBe("/definitely/not/a/program-4f1c");
        expect(watch.of("spawn")).toEqual([]);
        expect(listeners(controller.signal)).toBe(0);
      } finally {
        watch.stop();
      }
    });
  }

  it("positive control: the same watcher does see a spawn when the signal is not aborted", async () => {
    const watch = watchChannels();
    try {
      await new Command("true").cancelOn(new AbortController().signal).run();
      expect(watch.of("spawn")).toHaveLength(1);
    } finally {
      watch.stop();
    }
  });

  it("a fresh JobRunner does not probe or spawn anything either", async () => {
    const watch = watchChannels();
    try {
      const signal = AbortSignal.abort();
      await expect(new JobRunner().output(new Command("true").cancelOn(signal))).rejects.toBeInstanceOf(
        CancelledError,
      );
      expect(watch.events).toEqual([]);
    } finally {
      watch.stop();
    }
  });

  it("the default reason (an AbortError DOMException) becomes the cause", async () => {
    const error = (await new Command("true")
      .cancelOn(AbortSignal.abort())
      .run()
      .catch((e) => e)) as CancelledError;
    expect(error).toBeInstanceOf(CancelledError);
    expect((error.cause as DOMException).name).toBe("AbortError");
  });
});

describe("cancelling a running command", () => {
  it("every verb rejects with CancelledError, never a result", async () => {
    const verbs: ((c: Command) => Promise<unknown>)[] = [
      (c) => c.output(),
      (c) => c.outputBytes(),
      (c) => c.run(),
      (c) => c.checked(),
      (c) => c.exitCode(),
      (c) => c.probe(),
      (c) => c.parse((s) => s),
      (c) => c.json(),
      (c) => c.firstLine((l) => l === "never"),
    ];
    for (const verb of verbs) {
      const controller = new AbortController();
      const pending = verb(node(`console.log("x"); setInterval(() => {}, 1000)`).cancelOn(controller.signal));
      setTimeout(() => controller.abort("stop"), 200);
      const error = await pending.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CancelledError);
      expect((error as CancelledError).cause).toBe("stop");
    }
  });

  it("AbortSignal.timeout() works as a cancel signal", async () => {
    const error = await node(`setInterval(() => {}, 1000)`)
      .cancelOn(AbortSignal.timeout(200))
      .output()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect(((error as CancelledError).cause as DOMException).name).toBe("TimeoutError");
  });

  it("cancel after the run finished changes nothing", async () => {
    const controller = new AbortController();
    const result = await new Command("echo", ["done"]).cancelOn(controller.signal).output();
    controller.abort();
    expect(result.stdout).toBe("done\n");
    expect(result.isSuccess).toBe(true);
  });

  it("a RunningProcess from start() can be cancelled while streaming", async () => {
    const controller = new AbortController();
    const proc = await node(`setInterval(() => console.log("tick"), 20)`).cancelOn(controller.signal).start();
    created.push(proc.pid as number);
    let n = 0;
    const error = await (async () => {
      for await (const _ of proc.stdoutLines()) if (++n === 3) controller.abort("enough");
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    await expect(proc.output()).rejects.toBeInstanceOf(CancelledError);
    expect(isAlive(proc.pid as number)).toBe(false);
  });
});

describe("cancel beats timeout", () => {
  it("a cancel during the timeout's grace period kills at once and rejects with CancelledError", async () => {
    const controller = new AbortController();
    const start = performance.now();
    let pid = 0;
    const error = await node(
      `process.on("SIGTERM", () => console.log("TERM ignored")); console.log(process.pid); setInterval(() => {}, 1000)`,
    )
      .timeout("2s")
      .timeoutGrace("60s")
      .cancelOn(controller.signal)
      .onStdoutLine((line) => {
        if (/^\d+$/.test(line)) {
          pid = Number(line);
          created.push(pid);
        }
        if (line === "TERM ignored") controller.abort("user gave up"); // the deadline already fired
      })
      .output()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as CancelledError).cause).toBe("user gave up");
    expect(performance.now() - start).toBeLessThan(30_000); // not the 60 s grace
    expect(isAlive(pid)).toBe(false);
  });

  it("a cancel before the deadline: CancelledError, not TimeoutError", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await node(`setInterval(() => {}, 1000)`)
      .timeout("400ms")
      .cancelOn(controller.signal)
      .run()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
  });

  it("a cancel racing the same tick as the deadline still wins", async () => {
    for (let i = 0; i < 3; i++) {
      const controller = new AbortController();
      setTimeout(() => controller.abort("race"), 300);
      const error = await node(`setInterval(() => {}, 1000)`)
        .timeout(300)
        .cancelOn(controller.signal)
        .output()
        .then(
          (r) => r,
          (e: unknown) => e,
        );
      // Either the cancel came first or during teardown: a cancel seen before settling always wins.
      if (!(error instanceof CancelledError)) {
        expect((error as { timedOut?: boolean }).timedOut).toBe(true);
      }
    }
  });
});

describe("the abort listener", () => {
  it("exactly one listener during a run, none after, on a long-lived signal", async () => {
    const controller = new AbortController();
    const signal = controller.signal;
    const proc = await node(`setTimeout(() => {}, 300)`).cancelOn(signal).start();
    expect(listeners(signal)).toBe(1);
    await proc.finish();
    expect(listeners(signal)).toBe(0);
  });

  it("is removed after every kind of ending (exit, failure, timeout, spawn error, firstLine)", async () => {
    const controller = new AbortController();
    const signal = controller.signal;
    for (let i = 0; i < 5; i++) {
      await new Command("true").cancelOn(signal).run();
      await new Command("false").cancelOn(signal).output();
      await node(`setInterval(() => {}, 1000)`).cancelOn(signal).timeout(100).output();
      await new Command("no-such-program-9d2e")
        .cancelOn(signal)
        .output()
        .catch(() => {});
      await new Command("sh", ["-c", "echo a; echo b"]).cancelOn(signal).firstLine();
      await new Command("sh", ["-c", "sleep 300 & echo $!"])
        .cancelOn(signal)
        .output()
        .then((r) => created.push(...pidsIn(r.stdout)));
    }
    expect(listeners(signal)).toBe(0);
    expect(signal.aborted).toBe(false);
  });

  it("concurrent runs add one listener each and remove them all", async () => {
    const controller = new AbortController();
    const runs = Array.from({ length: 5 }, () =>
      node(`setTimeout(() => {}, 300)`).cancelOn(controller.signal).output(),
    );
    await new Promise((r) => setTimeout(r, 150));
    expect(listeners(controller.signal)).toBeGreaterThan(0);
    expect(listeners(controller.signal)).toBeLessThanOrEqual(5);
    await Promise.all(runs);
    expect(listeners(controller.signal)).toBe(0);
  });

  it("one abort cancels every run sharing the signal", async () => {
    const controller = new AbortController();
    const runs = Array.from({ length: 3 }, () =>
      node(`setInterval(() => {}, 1000)`)
        .cancelOn(controller.signal)
        .output()
        .catch((e: unknown) => e),
    );
    await new Promise((r) => setTimeout(r, 300));
    controller.abort();
    for (const error of await Promise.all(runs)) expect(error).toBeInstanceOf(CancelledError);
    expect(listeners(controller.signal)).toBe(0);
  });
});
