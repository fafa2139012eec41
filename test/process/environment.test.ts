/** env / envRemove / envClear / inheritEnv on a real child. */
import { afterEach, describe, expect, it } from "vitest";
import { Command, type JobRunner, output, run } from "../../src/index.js";
import { RUNNERS } from "../helpers/mechanisms.js";
import { node } from "../helpers/scripts.js";

/** A child that prints its whole environment as JSON. */
const printEnv = () => node(`console.log(JSON.stringify(process.env))`);

const touched: string[] = [];
const setParent = (name: string, value: string | undefined) => {
  touched.push(name);
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
};
afterEach(() => {
  for (const name of touched.splice(0)) delete process.env[name];
});

describe.each(RUNNERS)("environment (%s)", (mechanism, runner: JobRunner) => {
  const envOf = async (c: Command): Promise<Record<string, string>> => {
    const env = JSON.parse(await runner.run(c)) as Record<string, string>;
    // Under process groups the run marker is the one variable processkit adds (platform-support.md).
    if (mechanism === "process-group") {
      expect(env.PROCESSKIT_RUN).toMatch(/^[0-9a-f]{12}\.\d+(:[0-9a-f]{12}\.\d+)*$/);
      delete env.PROCESSKIT_RUN;
    }
    return env;
  };

  // The cgroup-v2 launcher is /bin/sh, and dash exports PWD at startup: it must not reach the target.
  it("the container's launcher adds nothing: envClear() gives exactly the variables set", async () => {
    expect(await envOf(printEnv().envClear())).toEqual({});
    expect(await envOf(printEnv().envClear().cwd("/tmp"))).toEqual({});
  });

  it("inherits ours by default", async () => {
    setParent("PK_INHERITED", "from-parent");
    expect((await envOf(printEnv())).PK_INHERITED).toBe("from-parent");
  });

  it("env() adds and overrides on top of ours", async () => {
    setParent("PK_A", "parent");
    const env = await envOf(printEnv().env({ PK_A: "child", PK_B: "new", PK_EMPTY: "" }));
    expect(env.PK_A).toBe("child");
    expect(env.PK_B).toBe("new");
    expect(env.PK_EMPTY).toBe("");
    expect(env.PATH).toBe(process.env.PATH);
  });

  it("env() values are exact (spaces, quotes, newlines, unicode, =)", async () => {
    const tricky = " a 'b' \"c\" $HOME `x`\n=ü😀=";
    expect((await envOf(printEnv().env({ PK_TRICKY: tricky }))).PK_TRICKY).toBe(tricky);
  });

  it("names a shell cannot hold and variables a shell rewrites reach the child unchanged", async () => {
    const vars = {
      "MY-VAR": "dash",
      "a.b": "dot",
      "1ST": "digit",
      IFS: "x",
      OPTIND: "not-a-number",
      PPID: "12345",
      PWD: "/a/stale/dir",
    };
    const env = await envOf(printEnv().envClear().env(vars).cwd("/tmp"));
    expect(env).toEqual(vars);
  });

  it("later env() calls win; undefined removes", async () => {
    setParent("PK_GONE", "parent");
    const env = await envOf(printEnv().env({ PK_X: "1" }).env({ PK_X: "2" }).env({ PK_GONE: undefined }));
    expect(env.PK_X).toBe("2");
    expect("PK_GONE" in env).toBe(false);
  });

  it("envRemove() removes inherited and explicitly set variables", async () => {
    setParent("PK_R1", "parent");
    const env = await envOf(printEnv().env({ PK_R2: "x" }).envRemove(["PK_R1", "PK_R2", "PK_NEVER_SET"]));
    expect("PK_R1" in env).toBe(false);
    expect("PK_R2" in env).toBe(false);
    expect("PK_NEVER_SET" in env).toBe(false);
  });

  it("env() after envRemove() sets the variable again", async () => {
    expect((await envOf(printEnv().envRemove(["PK_S"]).env({ PK_S: "back" }))).PK_S).toBe("back");
  });

  it("envClear(): only what env() sets (before or after the clear)", async () => {
    setParent("PK_HIDDEN", "parent");
    const env = await envOf(printEnv().env({ PK_BEFORE: "1" }).envClear().env({ PK_AFTER: "2" }));
    expect(env).toEqual({ PK_BEFORE: "1", PK_AFTER: "2" });
  });

  it("inheritEnv(): clears, then copies only the named parent variables", async () => {
    setParent("PK_KEEP", "kept");
    setParent("PK_DROP", "dropped");
    const env = await envOf(printEnv().inheritEnv(["PK_KEEP", "PATH"]));
    expect(env).toEqual({ PK_KEEP: "kept", PATH: process.env.PATH });
  });

  it("inheritEnv(): missing names are skipped, never set to empty", async () => {
    setParent("PK_MISSING", undefined);
    const env = await envOf(printEnv().inheritEnv(["PK_MISSING"]));
    expect("PK_MISSING" in env).toBe(false);
    expect(env).toEqual({});
  });

  it("inheritEnv() reads the parent at spawn time, not at the builder call", async () => {
    setParent("PK_LATE", "at-build-time");
    const command = printEnv().inheritEnv(["PK_LATE"]);
    setParent("PK_LATE", "at-spawn-time");
    expect((await envOf(command)).PK_LATE).toBe("at-spawn-time");
    setParent("PK_LATE", "second-run");
    expect((await envOf(command)).PK_LATE).toBe("second-run");
  });

  it("inheritEnv() calls accumulate; env() and envRemove() apply on top", async () => {
    setParent("PK_I1", "one");
    setParent("PK_I2", "two");
    setParent("PK_I3", "three");
    const env = await envOf(
      printEnv()
        .inheritEnv(["PK_I1"])
        .inheritEnv(["PK_I2", "PK_I3"])
        .env({ PK_I1: "override" })
        .envRemove(["PK_I3"]),
    );
    expect(env).toEqual({ PK_I1: "override", PK_I2: "two" });
  });

  it("the base is whichever of envClear() / inheritEnv() came last; overrides apply either way", async () => {
    setParent("PK_BASE", "parent");
    expect(await envOf(printEnv().inheritEnv(["PK_BASE"]).envClear().env({ X: "1" }))).toEqual({ X: "1" });
    expect(await envOf(printEnv().envClear().inheritEnv(["PK_BASE"]).env({ X: "1" }))).toEqual({
      PK_BASE: "parent",
      X: "1",
    });
  });

  it("the default inherit reads our environment at spawn time too", async () => {
    const command = printEnv();
    setParent("PK_AFTER_BUILD", "yes");
    expect((await envOf(command)).PK_AFTER_BUILD).toBe("yes");
  });

  it("a clear environment has no PATH: the program is still found (on a default PATH)", async () => {
    expect(await runner.run(new Command("sh", ["-c", "echo ok"]).envClear())).toBe("ok");
  });
});

describe("one-liners", () => {
  it("one-liners take the same keys", async () => {
    setParent("PK_OL", "parent");
    const env = JSON.parse(
      await run(process.execPath, ["-e", "console.log(JSON.stringify(process.env))"], {
        inheritEnv: ["PK_OL"],
        env: { PK_SET: "1" },
      }),
    );
    expect(env).toEqual({ PK_OL: "parent", PK_SET: "1" });
    const cleared = await output(process.execPath, ["-e", "console.log(Object.keys(process.env).length)"], {
      envClear: true,
    });
    expect(cleared.stdout).toBe("0\n");
  });
});
