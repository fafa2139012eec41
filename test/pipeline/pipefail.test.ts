import { describe, expect, it } from "vitest";
import { culprit, type StageVerdict } from "../../src/pipeline/pipefail.js";
import type { Outcome } from "../../src/result.js";

const exited = (code: number): Outcome => ({ kind: "exited", code });
const sig = (signal: NodeJS.Signals): Outcome => ({ kind: "signalled", signal });
const stage = (outcome: Outcome, extra: Partial<StageVerdict> = {}): StageVerdict => ({
  outcome,
  okCodes: [0],
  unchecked: false,
  victim: false,
  consumerExitedFirst: false,
  ...extra,
});

describe("pipefail attribution", () => {
  it("no failure: nobody is blamed (the last stage speaks)", () => {
    expect(culprit([stage(exited(0)), stage(exited(0))])).toBeUndefined();
  });

  it.each([0, 1, 2])("a failure in position %i is blamed", (position) => {
    const stages = [0, 1, 2].map((i) => stage(exited(i === position ? 5 : 0)));
    expect(culprit(stages)).toBe(position);
  });

  it("the leftmost real failure wins", () => {
    expect(culprit([stage(exited(0)), stage(exited(2)), stage(exited(3))])).toBe(1);
  });

  it("okCodes make a non-zero exit clean", () => {
    expect(culprit([stage(exited(3), { okCodes: [0, 3] }), stage(exited(0))])).toBeUndefined();
  });

  it("a SIGPIPE victim counts only when nothing else failed", () => {
    expect(culprit([stage(sig("SIGPIPE")), stage(exited(4))])).toBe(1);
    expect(culprit([stage(sig("SIGPIPE")), stage(exited(0))])).toBe(0);
  });

  it("a producer that failed after its consumer exited is a broken-pipe victim too", () => {
    expect(culprit([stage(exited(1), { consumerExitedFirst: true }), stage(exited(3))])).toBe(1);
    expect(culprit([stage(exited(1), { consumerExitedFirst: true }), stage(exited(0))])).toBe(0);
  });

  it("teardown victims and unchecked stages are never blamed", () => {
    expect(culprit([stage(sig("SIGKILL"), { victim: true }), stage(exited(3))])).toBe(1);
    expect(culprit([stage(sig("SIGPIPE"), { unchecked: true }), stage(exited(0))])).toBeUndefined();
    expect(culprit([stage(exited(9), { unchecked: true }), stage(exited(2))])).toBe(1);
  });

  it("a stage's own timeout is a real failure", () => {
    expect(culprit([stage(exited(0)), stage({ kind: "timed-out" }), stage(exited(0))])).toBe(1);
  });
});
