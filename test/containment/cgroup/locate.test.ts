/**
 * The cgroup locator on synthetic /proc/self/mountinfo and /proc/self/cgroup texts: every host
 * shape we know of, including the ones that must fall back to process groups.
 */
import { describe, expect, it } from "vitest";
import {
  locateCgroup,
  parseCgroup2Mounts,
  parseMountinfo,
  parseOwnCgroup,
  resolveCgroupDir,
  unescapeMountPath,
} from "../../../src/containment/cgroup/locate.js";
import { cgroup2At } from "../../../src/containment/cgroup/usable-dir.js";

const ROOTFS = "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw";
const PROC = "23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw";

/** A hybrid host (this project's machines): v1 controllers plus cgroup2 at /sys/fs/cgroup/unified. */
const HYBRID_MOUNTINFO = [
  ROOTFS,
  PROC,
  "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
  "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
  "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
  "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids",
  "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd",
  "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
].join("\n");
const HYBRID_CGROUP = [
  "9:name=systemd:/",
  "8:pids:/",
  "4:memory:/process_api/dffeb8f7",
  "1:cpu:/",
  "0::/user.slice/session-2.scope",
  "",
].join("\n");

/** A systemd host with the unified hierarchy only. */
const PURE_V2_MOUNTINFO = [
  ROOTFS,
  PROC,
  "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot",
].join("\n");
const PURE_V2_CGROUP = "0::/user.slice/user-1000.slice/user@1000.service/app.slice/run-u42.scope\n";

describe("unescapeMountPath", () => {
  it("decodes the octal escapes mountinfo uses", () => {
    expect(unescapeMountPath("/mnt/my\\040cgroups")).toBe("/mnt/my cgroups");
    expect(unescapeMountPath("a\\011b\\012c\\134d")).toBe("a\tb\nc\\d");
    expect(unescapeMountPath("/plain/path")).toBe("/plain/path");
  });
});

describe("parseMountinfo", () => {
  it("finds the cgroup2 mount on a hybrid host and ignores the v1 ones", () => {
    expect(parseMountinfo(HYBRID_MOUNTINFO)).toEqual({
      mountPoint: "/sys/fs/cgroup/unified",
      root: "/",
      readOnly: false,
      favorDynmods: false,
    });
  });

  it("reads optional fields (shared:N) and the superblock options of a pure v2 host", () => {
    expect(parseMountinfo(PURE_V2_MOUNTINFO)).toEqual({
      mountPoint: "/sys/fs/cgroup",
      root: "/",
      readOnly: false,
      favorDynmods: false,
    });
  });

  it("sees favordynmods among the superblock options", () => {
    const line =
      "1400 1390 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate,favordynmods";
    expect(parseMountinfo(line)?.favorDynmods).toBe(true);
  });

  it("sees a read-only mount, per mount or per superblock", () => {
    const perMount = "1400 1390 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw";
    const perSuper = "1400 1390 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup ro";
    expect(parseMountinfo(perMount)?.readOnly).toBe(true);
    expect(parseMountinfo(perSuper)?.readOnly).toBe(true);
  });

  it("returns undefined on a v1-only host", () => {
    const v1Only = HYBRID_MOUNTINFO.split("\n")
      .filter((l) => !l.includes("cgroup2"))
      .join("\n");
    expect(parseMountinfo(v1Only)).toBeUndefined();
    expect(parseMountinfo("")).toBeUndefined();
  });
});

describe("parseOwnCgroup", () => {
  it("takes the 0:: line", () => {
    expect(parseOwnCgroup(HYBRID_CGROUP)).toBe("/user.slice/session-2.scope");
    expect(parseOwnCgroup("0::/\n")).toBe("/");
  });

  it("returns undefined without a 0:: line (v1 only)", () => {
    expect(parseOwnCgroup("9:name=systemd:/\n4:memory:/x\n")).toBeUndefined();
    expect(parseOwnCgroup("")).toBeUndefined();
  });
});

describe("resolveCgroupDir", () => {
  it("hybrid host: our cgroup under /sys/fs/cgroup/unified", () => {
    expect(resolveCgroupDir(HYBRID_MOUNTINFO, HYBRID_CGROUP)).toMatchObject({
      ok: true,
      path: "/sys/fs/cgroup/unified/user.slice/session-2.scope",
    });
  });

  it("hybrid host at the root cgroup: the mount point itself", () => {
    expect(resolveCgroupDir(HYBRID_MOUNTINFO, "1:cpu:/\n0::/\n")).toMatchObject({
      ok: true,
      path: "/sys/fs/cgroup/unified",
    });
  });

  it("pure v2 host: our cgroup under /sys/fs/cgroup", () => {
    expect(resolveCgroupDir(PURE_V2_MOUNTINFO, PURE_V2_CGROUP)).toMatchObject({
      ok: true,
      path: "/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice/run-u42.scope",
    });
  });

  it("container with a read-only cgroup2 mount: falls back, saying why", () => {
    const mountinfo = "1400 1390 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw";
    const located = resolveCgroupDir(mountinfo, "0::/\n");
    expect(located.ok).toBe(false);
    if (!located.ok) expect(located.reason).toMatch(/read-only/);
  });

  it("namespaced root prefix: the mount shows a subtree, whose root is stripped from our path", () => {
    const mountinfo = "1400 1390 0:26 /docker/abc123 /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw";
    expect(resolveCgroupDir(mountinfo, "0::/docker/abc123/app\n")).toMatchObject({
      ok: true,
      path: "/sys/fs/cgroup/app",
    });
    expect(resolveCgroupDir(mountinfo, "0::/docker/abc123\n")).toMatchObject({
      ok: true,
      path: "/sys/fs/cgroup",
    });
    // A sibling whose name merely starts with the root is not inside it.
    const sibling = resolveCgroupDir(mountinfo, "0::/docker/abc1234/app\n");
    expect(sibling.ok).toBe(false);
    if (!sibling.ok) expect(sibling.reason).toMatch(/not under the mounted subtree/);
  });

  it("a /.. path (our cgroup outside this cgroup namespace's view): falls back", () => {
    const located = resolveCgroupDir(PURE_V2_MOUNTINFO, "0::/../../user.slice/session-3.scope\n");
    expect(located.ok).toBe(false);
    if (!located.ok) expect(located.reason).toMatch(/outside the visible hierarchy/);
    expect(resolveCgroupDir(PURE_V2_MOUNTINFO, "0::/..\n").ok).toBe(false);
  });

  it("escaped space in the mount point and in the mount root", () => {
    const mountinfo = "77 23 0:40 /my\\040tree /mnt/cgroup\\040two rw,relatime - cgroup2 none rw";
    const located = resolveCgroupDir(mountinfo, "0::/my tree/job 1\n");
    expect(located).toMatchObject({ ok: true, path: "/mnt/cgroup two/job 1" });
    if (located.ok)
      expect(located.mount).toEqual({
        mountPoint: "/mnt/cgroup two",
        root: "/my tree",
        readOnly: false,
        favorDynmods: false,
      });
  });

  it("v1-only host: no cgroup2 mount → falls back", () => {
    const v1Only = HYBRID_MOUNTINFO.split("\n")
      .filter((l) => !l.includes("cgroup2"))
      .join("\n");
    const located = resolveCgroupDir(v1Only, HYBRID_CGROUP);
    expect(located.ok).toBe(false);
    if (!located.ok) expect(located.reason).toMatch(/no cgroup2 filesystem/);
  });

  it("cgroup2 mounted but no 0:: line for us → falls back", () => {
    const located = resolveCgroupDir(HYBRID_MOUNTINFO, "9:name=systemd:/\n4:memory:/x\n");
    expect(located.ok).toBe(false);
    if (!located.ok) expect(located.reason).toMatch(/no 0:: line/);
  });

  it("a cgroup2 mount at / itself does not produce a double slash", () => {
    expect(resolveCgroupDir("50 1 0:30 / / rw - cgroup2 cgroup2 rw", "0::/a/b\n")).toMatchObject({
      ok: true,
      path: "/a/b",
    });
  });
});

describe("what is really mounted (statfs) beats what mountinfo lists", () => {
  const TMPFS_OVER = `${HYBRID_MOUNTINFO}\n60 23 0:99 / /sys/fs/cgroup rw,relatime - tmpfs none rw`;
  const statfsSays = (type: string) => (path: string) =>
    path === "/sys/fs/cgroup/unified" ? `statfs sees ${type} at ${path}, not cgroup2` : (true as const);

  it("a cgroup2 mount hidden by a tmpfs (issue 14: a fake unified/ in it) is refused, saying why", () => {
    const located = resolveCgroupDir(TMPFS_OVER, HYBRID_CGROUP, statfsSays("tmpfs"));
    expect(located).toMatchObject({ ok: false, kind: "hidden", where: "/sys/fs/cgroup/unified" });
    if (!located.ok) expect(located.reason).toMatch(/hidden: statfs sees tmpfs/);
  });

  it("the upper of two mounts at one point wins (a read-only mount over a writable one)", () => {
    const roOver = `${HYBRID_MOUNTINFO}\n61 41 0:38 / /sys/fs/cgroup/unified ro,relatime - cgroup2 cgroup2 rw`;
    expect(parseCgroup2Mounts(roOver)).toHaveLength(1);
    expect(resolveCgroupDir(roOver, HYBRID_CGROUP)).toMatchObject({ ok: false, kind: "read-only" });
  });

  it("a located directory knows its hierarchy path (what the probe must see)", () => {
    expect(resolveCgroupDir(HYBRID_MOUNTINFO, HYBRID_CGROUP)).toMatchObject({
      ok: true,
      path: "/sys/fs/cgroup/unified/user.slice/session-2.scope",
      hierarchyPath: "/user.slice/session-2.scope",
    });
  });
});

describe("the cgroup filesystem check", () => {
  it("cgroup2At: true on this host's cgroup2 mount, the fs type elsewhere", () => {
    const located = locateCgroup();
    if (located.ok) expect(cgroup2At(located.mount.mountPoint)).toBe(true);
    expect(cgroup2At("/proc")).toMatch(/not cgroup2/);
    expect(cgroup2At("/no/such/dir")).toMatch(/ENOENT/);
  });
});

describe("locateCgroup (this host)", () => {
  it("agrees with the pure resolver on the real files", async () => {
    const { readFileSync } = await import("node:fs");
    const expected = resolveCgroupDir(
      readFileSync("/proc/self/mountinfo", "utf8"),
      readFileSync("/proc/self/cgroup", "utf8"),
    );
    const located = locateCgroup();
    if (expected.ok && located.ok) expect(located.path).toBe(expected.path);
    else expect(located.ok).toBe(false);
  });
});
