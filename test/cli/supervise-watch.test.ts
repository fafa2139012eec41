/**
 * `processkit supervise --watch` and `--health-http`, with real processes on every mechanism:
 * a file write restarts the whole tree and the new tree starts only once the old one is gone
 * (each generation checks the previous ones' pids by /proc state when it starts); an ignored
 * path restarts nothing; an unhealthy service is killed and restarted; bad input → 125.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isAlive, NODE, waitDead } from "../helpers/procs.js";
import { cli, freePort, MECHANISMS, pidsFrom, startCli, tempDir, waitUntil } from "./cli.js";

/** One generation: flags any earlier generation's pid still alive, records its own and its child's, stays up. */
const GENERATION = `
const fs = require("fs");
const [log, overlapFile] = process.argv.slice(1);
const alive = (pid) => {
  try {
    const stat = fs.readFileSync("/proc/" + pid + "/stat", "latin1");
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    return state !== "Z" && state !== "X";
  } catch { return false; }
};
const earlier = fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\\n").filter(Boolean).map(Number) : [];
for (const pid of earlier) if (alive(pid)) fs.appendFileSync(overlapFile, pid + "\\n");
const child = require("child_process").spawn("sleep", ["300"], { stdio: "ignore" });
fs.appendFileSync(log, process.pid + "\\n" + child.pid + "\\n");
setInterval(() => {}, 1000);
`;

describe.each(MECHANISMS)("processkit supervise --watch under %s", (mechanism) => {
  it("a file write restarts the whole tree, never with two trees alive at once", async () => {
    const dir = tempDir();
    const src = join(dir, "src");
    mkdirSync(join(src, "lib"), { recursive: true });
    writeFileSync(join(src, "lib", "app.js"), "1");
    const log = join(dir, "pids");
    const overlap = join(dir, "overlap");
    const run = startCli(
      [
        "supervise",
        "--watch",
        src,
        "--ignore",
        "*.log",
        "--debounce",
        "100ms",
        "--grace",
        "1s",
        "--",
        NODE,
        "-e",
        GENERATION,
        log,
        overlap,
      ],
      { mechanism },
    );
    const generations = () => pidsFrom(log).length / 2;
    await waitUntil(() => generations() >= 1, "the first generation", 20_000);
    for (let n = 2; n <= 3; n++) {
      // An ignored file first: it must not count. Then a real change (in a subdirectory).
      writeFileSync(join(src, "noise.log"), String(n));
      writeFileSync(join(src, "lib", "app.js"), String(n));
      await waitUntil(() => generations() >= n, `generation ${n}`, 20_000);
    }
    expect(generations()).toBe(3);
    expect(run.stderr()).toContain(`${join(src, "lib", "app.js")} changed: restarting`);
    expect(run.stderr()).not.toContain("noise.log");
    const pids = pidsFrom(log);
    // Only the last generation is alive; no generation ever saw an earlier one alive.
    const last = pids.slice(-2);
    for (const pid of last) expect(isAlive(pid)).toBe(true);
    for (const pid of pids.slice(0, -2)) expect(isAlive(pid), `old pid ${pid}`).toBe(false);
    expect(pidsFrom(overlap)).toEqual([]);

    run.child.kill("SIGTERM");
    await run.done;
    for (const pid of last) expect(await waitDead(pid, 10_000)).toBe(true);
  });
});

describe("processkit supervise --health-http", () => {
  it("kills an unhealthy service's tree and restarts it", async () => {
    const port = await freePort();
    const dir = tempDir();
    const log = join(dir, "pids");
    const server = `
      require("fs").appendFileSync(${JSON.stringify(log)}, process.pid + "\\n");
      require("http").createServer((q, s) => { s.statusCode = 503; s.end("sick"); }).listen(${port}, "127.0.0.1");
    `;
    const result = await cli([
      "supervise",
      "--max-restarts",
      "1",
      "--backoff",
      "10ms",
      "--health-http",
      `http://127.0.0.1:${port}/health`,
      "--health-interval",
      "500ms",
      "--health-failures",
      "2",
      "--",
      NODE,
      "-e",
      server,
    ]);
    const pids = pidsFrom(log);
    expect(pids).toHaveLength(2);
    expect(result.stderr).toContain("restart 1/1");
    expect(result.stderr).toContain("health check failed 2/2 times in a row: killing its tree");
    expect(result.stderr).toMatch(/2 runs, 1 restart; ended: restarts-exhausted/);
    for (const pid of pids) expect(await waitDead(pid)).toBe(true);
  });
});

describe("processkit supervise: bad watch and health input → 125, one line", () => {
  it.each([
    [["--watch", "/no/such/dir"], "--watch: cannot watch /no/such/dir: ENOENT"],
    [["--ignore", "*.log"], "--ignore: only with --watch"],
    [["--watch", ".", "--debounce", "soon"], "--debounce"],
    [["--health-http", "ftp://x/"], "--health-http: only http:// and https://"],
    [["--health-interval", "1s"], "--health-interval: only with --health-http"],
  ])("%j", async (flags, message) => {
    const result = await cli(["supervise", ...flags, "--", "true"]);
    expect(result.code).toBe(125);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(message);
  });
});
