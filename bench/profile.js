/**
 * Where does a processkit run spend its time? `node bench/profile.js <scenario> [runs]`
 * (build first). Scenarios:
 *   p1:<mechanism>   sequential `/bin/true` via runner.output()     (also: p1:raw)
 *   p5:<mechanism>   start() + kill() of the P5 51-process tree     (also: p5:raw = kill(-pgid))
 *   p3:<mechanism>   stdoutLines() over a 1.5 M-line file           (also: p3:raw = readline)
 *
 * It wraps `child_process.spawn` and `ChildProcess.prototype.emit` (no change to the library)
 * to split every run into phases: call → spawn() called → spawn() returned → 'exit' →
 * resolved. Add `--cpu-prof --cpu-prof-dir=DIR` to node for a CPU profile and summarize it
 * with `node bench/lib/cpuprofile.js DIR/*.cpuprofile`.
 */
import childProcess from "node:child_process";
import { syncBuiltinESMExports } from "node:module";
import { median, percentile } from "./lib/stats.js";

const [scenario = "p1:process-group", runsArg] = process.argv.slice(2);
const [kind, mechanism] = scenario.split(":");

// ── instrumentation ────────────────────────────────────────────────────────────
let current; // phase marks of the run in flight (sequential scenarios only)
const originalSpawn = childProcess.spawn;
childProcess.spawn = function spawn(...args) {
  if (current !== undefined && current.spawnCalled === undefined) current.spawnCalled = performance.now();
  const child = originalSpawn.apply(this, args);
  if (current !== undefined && current.spawnReturned === undefined) {
    current.spawnReturned = performance.now();
    current.pid = child.pid;
  }
  return child;
};
syncBuiltinESMExports();
const originalEmit = childProcess.ChildProcess.prototype.emit;
childProcess.ChildProcess.prototype.emit = function emit(event, ...rest) {
  if (current !== undefined && this.pid === current.pid && (event === "exit" || event === "close")) {
    current[event] ??= performance.now();
  }
  return originalEmit.call(this, event, ...rest);
};

const { Command, JobRunner } = await import("processkit");
const { rawCapture } = await import("./lib/variants.js");

async function timed(fn) {
  current = { start: performance.now() };
  await fn();
  current.end = performance.now();
  const marks = current;
  current = undefined;
  return marks;
}

function report(all, label = scenario) {
  const phase = (from, to) => all.map((m) => (m[to] ?? m.end) - (m[from] ?? m.start));
  const rows = [
    ["call → spawn() called", phase("start", "spawnCalled")],
    ["spawn() call itself", phase("spawnCalled", "spawnReturned")],
    ["spawn() returned → 'exit'", phase("spawnReturned", "exit")],
    ["'exit' → resolved", phase("exit", "end")],
    ["  of which 'exit' → 'close'", phase("exit", "close")],
    ["total", phase("start", "end")],
  ];
  console.log(`${label}: ${all.length} runs (median / p90, ms)`);
  for (const [name, values] of rows) {
    console.log(
      `  ${name.padEnd(30)} ${median(values).toFixed(3).padStart(8)} ${percentile(values, 90).toFixed(3).padStart(8)}`,
    );
  }
}

const runs = Number(runsArg ?? (kind === "p1" ? 2000 : kind === "p5" ? 30 : 5));

if (kind === "p1") {
  // "p1:all" interleaves raw and both mechanisms run by run, so machine noise hits all alike.
  const names = mechanism === "all" ? ["raw", "process-group", "cgroup-v2"] : [mechanism];
  const fns = {};
  for (const name of names) {
    if (name === "raw") fns[name] = () => rawCapture("/bin/true", []);
    else {
      const runner = new JobRunner({ mechanism: name });
      const command = new Command("/bin/true");
      fns[name] = () => runner.output(command);
    }
    for (let i = 0; i < 50; i++) await fns[name]();
  }
  const all = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < runs; i++) for (const name of names) all[name].push(await timed(fns[name]));
  for (const name of names) report(all[name], `p1:${name}`);
} else if (kind === "p5") {
  const { liveTree, killSurvivors, sleep } = await import("./lib/procfs.js");
  const script = (await import("./cases/p5-teardown.js")).SCRIPT;
  const all = [];
  for (let i = 0; i < runs; i++) {
    let pid;
    let teardown;
    let cleanup;
    if (mechanism === "raw") {
      const child = originalSpawn("sh", ["-c", script], { stdio: "ignore", detached: true });
      const exited = new Promise((r) => child.once("exit", r));
      pid = child.pid;
      teardown = async () => {
        process.kill(-pid, "SIGKILL");
        await exited;
      };
      cleanup = () => exited;
    } else {
      const runner = new JobRunner({ mechanism });
      const proc = await runner.start(new Command("sh", ["-c", script]));
      pid = proc.pid;
      teardown = () => {
        const done = proc.kill();
        current.syncPart = performance.now(); // kill()'s synchronous part (the cgroup.kill write / kill(-pgid))
        return done;
      };
      cleanup = () => proc.finish().catch(() => {});
    }
    let tree = [];
    while (tree.length < 51) {
      await sleep(5);
      tree = liveTree(pid);
    }
    const procs = tree.map((s) => ({ pid: s.pid, startTime: s.startTime }));
    current = { start: performance.now(), pid };
    await teardown();
    current.end = performance.now();
    all.push(current);
    current = undefined;
    killSurvivors(procs);
    await cleanup();
  }
  const total = all.map((m) => m.end - m.start);
  const toExit = all.map((m) => (m.exit ?? m.end) - m.start);
  console.log(`${scenario}: ${runs} teardowns (median / p90, ms)`);
  const sync = all.map((m) => (m.syncPart ?? m.start) - m.start);
  console.log(
    `  kill() synchronous part       ${median(sync).toFixed(3)} ${percentile(sync, 90).toFixed(3)}`,
  );
  console.log(
    `  kill() → leader 'exit'        ${median(toExit).toFixed(3)} ${percentile(toExit, 90).toFixed(3)}`,
  );
  console.log(
    `  kill() → resolved             ${median(total).toFixed(3)} ${percentile(total, 90).toFixed(3)}`,
  );
} else if (kind === "p3") {
  const { writeLinesFile } = await import("./cases/p3-lines.js");
  const { createInterface } = await import("node:readline");
  const os = await import("node:os");
  const path = `${os.tmpdir()}/processkit-profile-lines.txt`;
  const fs = await import("node:fs");
  if (fs.statSync(path, { throwIfNoEntry: false })?.size !== 100 * 1024 * 1024) {
    await writeLinesFile(path, 1_500_000, 100 * 1024 * 1024); // kept for the next profile run
  }
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    let n = 0;
    if (mechanism === "raw") {
      const child = originalSpawn("cat", [path], { stdio: ["ignore", "pipe", "inherit"] });
      for await (const _ of createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY }))
        n++;
    } else {
      const proc = await new JobRunner({ mechanism }).start(new Command("cat", [path]));
      for await (const _ of proc.stdoutLines()) n++;
      await proc.finish();
    }
    times.push(performance.now() - t0);
    if (n !== 1_500_000) console.log(`  wrong line count ${n}`);
  }
  console.log(
    `${scenario}: ${runs} runs, median ${median(times).toFixed(0)} ms, p90 ${percentile(times, 90).toFixed(0)} ms`,
  );
} else {
  throw new Error(`unknown scenario ${scenario}`);
}
process.exit(0);
