/**
 * Under process groups the native child registers its own group: right after setsid() it
 * writes "+<pid>" to the owner's ledger, before exec — so an owner SIGKILLed before the spawn
 * even returned still leaves the group to its sentinels. Shown with a ledger the owner never
 * wrote to: only the child can have put the line there.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Container } from "../../../src/containment/container.js";
import { spawnPath } from "../../../src/process/native/spawn-path.js";
import { startChild } from "../../../src/process/native/start-child.js";
import { track } from "../../containment/support.js";
import { waitDead } from "../../helpers/procs.js";

describe.runIf(spawnPath().spawn === "native")("native self-registration", () => {
  // Made and removed inside the suite: a skipped suite (pure path) runs no hook, and must make nothing.
  let tmp = "";
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), "processkit-selfreg-"));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("the child writes +<its pid> to the ledger fd before it execs; nothing without one", async () => {
    const ledger = join(tmp, "groups");
    const fd = openSync(ledger, "wx", 0o600);
    try {
      const container = {
        mechanism: "process-group",
        placement: () => ({ kind: "new-session", ledgerFd: fd }),
        environmentAdditions: () => undefined,
      } as unknown as Container;
      const child = startChild("/bin/true", [], { stdio: "ignore" }, container);
      const pid = child.pid as number;
      track(pid);
      expect(pid).toBeGreaterThan(0);
      // Written before exec, hence before startChild returned: no waiting needed.
      expect(readFileSync(ledger, "utf8")).toBe(`+${pid}\n`);
      expect(await waitDead(pid)).toBe(true);

      const plain = {
        mechanism: "process-group",
        placement: () => ({ kind: "new-session" }),
        environmentAdditions: () => undefined,
      } as unknown as Container;
      const other = startChild("/bin/true", [], { stdio: "ignore" }, plain);
      track(other.pid as number);
      expect(readFileSync(ledger, "utf8")).toBe(`+${pid}\n`); // positive control: only a ledger fd writes
      expect(await waitDead(other.pid as number)).toBe(true);
    } finally {
      closeSync(fd);
    }
  });
});
