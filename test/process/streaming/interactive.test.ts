/** A conversational child driven line by line through `keepStdinOpen()`. */
import { describe, expect, it } from "vitest";
import { StdinError } from "../../../src/index.js";
import { isAlive } from "../../helpers/procs.js";
import { node } from "../../helpers/scripts.js";

/** Greets, answers every line, says goodbye on "bye" or on EOF. */
const CHAT = `
  const rl = require("node:readline").createInterface({ input: process.stdin });
  console.log("hello, who are you?");
  rl.on("line", (line) => {
    if (line === "bye") { console.log("goodbye"); rl.close(); return; }
    console.log("nice to meet you, " + line + " (" + line.length + ")");
  });
  rl.on("close", () => { console.log("eof"); process.exit(0); });
`;

async function nextLine(lines: AsyncIterator<string>): Promise<string | undefined> {
  const r = await lines.next();
  return r.done ? undefined : r.value;
}

describe("interactive stdin", () => {
  it("answers each line before the next is written (a real conversation)", async () => {
    await using proc = await node(CHAT).keepStdinOpen().timeout("30s").start();
    const lines = proc.stdoutLines();
    expect(await nextLine(lines)).toBe("hello, who are you?");
    for (const name of ["Ada", "Grace", "Ken Thompson", "Ünïcødé ✓"]) {
      expect(proc.stdin.writable).toBe(true);
      await proc.stdin.writeLine(name);
      // The answer can only exist if the child read this very line: the exchange is in lockstep.
      expect(await nextLine(lines)).toBe(`nice to meet you, ${name} (${name.length})`);
    }
    await proc.stdin.writeLine("bye");
    expect(await nextLine(lines)).toBe("goodbye");
    expect(await nextLine(lines)).toBe("eof");
    expect(await nextLine(lines)).toBeUndefined();
    const finished = await proc.finish();
    expect(finished.outcome).toEqual({ kind: "exited", code: 0 });
    // The lines were consumed as a stream: finish() does not pretend to have them.
    expect(finished.stdout).toBeUndefined();
  });

  it("end() is EOF for the child; writing afterwards is a StdinError, never a crash", async () => {
    await using proc = await node(CHAT).keepStdinOpen().start();
    const lines = proc.stdoutLines();
    expect(await nextLine(lines)).toBe("hello, who are you?");
    await proc.stdin.write("partial ");
    await proc.stdin.write(new TextEncoder().encode("bytes\n"));
    expect(await nextLine(lines)).toBe("nice to meet you, partial bytes (13)");
    await proc.stdin.end();
    expect(proc.stdin.writable).toBe(false);
    expect(await nextLine(lines)).toBe("eof");
    expect((await proc.finish()).outcome).toEqual({ kind: "exited", code: 0 });
    await expect(proc.stdin.writeLine("too late")).rejects.toBeInstanceOf(StdinError);
  });

  it("without keepStdinOpen() there is no writer", async () => {
    await using proc = await node(CHAT).start();
    await expect(proc.stdin.writeLine("x")).rejects.toBeInstanceOf(StdinError);
    // The child saw EOF at once (stdin closed) and ended the conversation by itself.
    const out = await proc.output();
    expect(out.stdout).toBe("hello, who are you?\neof\n");
  });

  it("disposal of an idle interactive child kills it (it would wait for stdin forever)", async () => {
    let pid: number | undefined;
    {
      await using proc = await node(CHAT).keepStdinOpen().start();
      pid = proc.pid;
      expect(await proc.waitForLine("who are you", "10s")).toBe("hello, who are you?");
      expect(isAlive(pid as number)).toBe(true);
    }
    expect(isAlive(pid as number)).toBe(false);
  });
});
