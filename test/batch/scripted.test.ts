/** The same streaming, readiness and batch machinery driven by the ScriptedRunner (no real processes). */
import { describe, expect, it } from "vitest";
import { CancelledError, Command, NotReadyError, outputAll, outputStream, waitAny } from "../../src/index.js";
import { Reply, ScriptedRunner } from "../../src/testing/index.js";

function runner(): ScriptedRunner {
  return new ScriptedRunner()
    .on(["server"], Reply.lines(["booting", "listening 8080", "GET /"], { delay: 20 }))
    .on(["broken"], Reply.fail(2, "no config"))
    .on(["hang"], Reply.pending())
    .on(["missing"], Reply.spawnError("not there"))
    .fallback(Reply.ok("ok\n"));
}

describe("with ScriptedRunner", () => {
  it("probes, lines and events run through the same machinery", async () => {
    const r = runner();
    await using server = await r.start(new Command("server"));
    expect(await server.waitForLine(/^listening /, "5s")).toBe("listening 8080");
    const events = [];
    for await (const event of server.events()) events.push(event);
    expect(events).toEqual([
      { type: "stdout", line: "GET /" },
      { type: "exit", outcome: { kind: "exited", code: 0 } },
    ]);

    await using broken = await r.start(new Command("broken"));
    await expect(broken.waitForLine("never", "5s")).rejects.toBeInstanceOf(NotReadyError);
    await using broken2 = await r.start(new Command("broken"));
    await expect(broken2.waitFor(() => false, "5s")).rejects.toThrow(/exited \(code 2\)/);
  });

  it("outputAll fills every slot; outputStream's break cancels a pending reply", async () => {
    const r = runner();
    const entries = await outputAll([new Command("x"), new Command("missing"), new Command("broken")], {
      runner: r,
      concurrency: 2,
    });
    expect(entries.map((e) => e.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);

    const seen: number[] = [];
    for await (const { index } of outputStream([new Command("hang"), new Command("x"), new Command("x")], {
      runner: r,
      concurrency: 2,
    })) {
      seen.push(index);
      break; // the pending "hang" is cancelled; the loop must not wait for it forever
    }
    expect(seen).toEqual([1]);
  });

  it("waitAny over scripted processes; a cancelled pending one rejects", async () => {
    const r = runner();
    const controller = new AbortController();
    const hang = await r.start(new Command("hang").cancelOn(controller.signal));
    const ok = await r.start(new Command("x"));
    expect((await waitAny([hang, ok])).index).toBe(1);
    controller.abort();
    await expect(waitAny([hang])).rejects.toBeInstanceOf(CancelledError);
  });
});
