/** When /proc is believed: procfs, showing us, and not hiding other users' processes from us. */
import { describe, expect, it } from "vitest";
import { hidepid, procAccess } from "../../src/containment/proc-usable.js";

const line = (options: string) => `22 27 0:21 / /proc rw,relatime - proc proc ${options}`;

describe("/proc access", () => {
  it("this host's /proc is usable", () => {
    expect(procAccess()).toEqual({ usable: true });
  });

  it("reads hidepid from the /proc mount; 0/off mean visible, the upper mount wins", () => {
    expect(hidepid(line("rw"))).toBeUndefined();
    expect(hidepid(line("rw,hidepid=0"))).toBeUndefined();
    expect(hidepid(line("rw,hidepid=invisible"))).toBe("invisible");
    expect(hidepid(`${line("rw,hidepid=2")}\n${line("rw")}`)).toBeUndefined();
    expect(hidepid(`${line("rw")}\n${line("rw,hidepid=2")}`)).toBe("2");
    expect(hidepid("30 22 0:5 / /proc/sys rw - proc proc rw,hidepid=2")).toBeUndefined();
  });
});
