/** Choosing the mechanism: option > PROCESSKIT_MECHANISM > automatic; a bad value is an error, never a guess. */
import { afterEach, describe, expect, it } from "vitest";
import { requestedMechanism, resolveBackend } from "../../src/containment/select.js";
import { InvalidInputError, JobRunner, ProcessGroup } from "../../src/index.js";

const saved = process.env.PROCESSKIT_MECHANISM;
afterEach(() => {
  if (saved === undefined) delete process.env.PROCESSKIT_MECHANISM;
  else process.env.PROCESSKIT_MECHANISM = saved;
});

describe("requestedMechanism", () => {
  it("an explicit option wins over the environment", () => {
    process.env.PROCESSKIT_MECHANISM = "cgroup-v2";
    expect(requestedMechanism("process-group")).toBe("process-group");
  });

  it("the environment variable applies when no option is given; empty means automatic", () => {
    process.env.PROCESSKIT_MECHANISM = "process-group";
    expect(requestedMechanism(undefined)).toBe("process-group");
    process.env.PROCESSKIT_MECHANISM = "";
    expect(requestedMechanism(undefined)).toBeUndefined();
    delete process.env.PROCESSKIT_MECHANISM;
    expect(requestedMechanism(undefined)).toBeUndefined();
  });

  it("an unknown option or environment value is InvalidInputError", () => {
    expect(() => requestedMechanism("cgroup-v1")).toThrow(InvalidInputError);
    process.env.PROCESSKIT_MECHANISM = "job-object";
    expect(() => requestedMechanism(undefined)).toThrow(/PROCESSKIT_MECHANISM/);
    expect(() => new JobRunner()).toThrow(InvalidInputError);
  });

  it("runners and groups reject a bad mechanism synchronously / at creation", async () => {
    expect(() => new JobRunner({ mechanism: "nope" as never })).toThrow(InvalidInputError);
    await expect(ProcessGroup.create({ mechanism: "nope" as never })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });
});

describe("resolveBackend", () => {
  it("process groups when asked, whatever the host offers", async () => {
    expect((await resolveBackend("process-group")).mechanism).toBe("process-group");
  });

  it("the environment variable reaches runners built without an option", async () => {
    process.env.PROCESSKIT_MECHANISM = "process-group";
    expect(await new JobRunner().ready()).toBe("process-group");
  });
});
