// The main job, side by side: a `sh -c` tree timed out by Node's own child_process (the
// payload survives) and by processkit (nothing survives), printed as it happens.
// Run with: npm start
import { spawn } from "node:child_process";
import { subscribe } from "node:diagnostics_channel";
import { readFileSync } from "node:fs";
import { Command } from "processkit";

const SCRIPT = "for i in 1 2 3; do sleep 300 & echo $!; done; echo 'payload running'; wait";
const alive = (pid) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0]);
  } catch {
    return false;
  }
};
let t0 = performance.now();
const log = (msg) => console.log(`[${(performance.now() - t0).toFixed(0).padStart(5)} ms] ${msg}`);
const isPid = (line) => /^\d+$/.test(line);

// 1. Plain child_process: `timeout` kills `sh` only. The sleeps it started live on, and they
//    even keep the stdout pipe open, so waiting for 'close' would hang for 300 s.
console.log("── node:child_process, timeout 1 s ──");
const orphans = [];
await new Promise((resolve) => {
  const child = spawn("sh", ["-c", SCRIPT], { timeout: 1000 });
  child.stdout.on("data", (chunk) => {
    for (const line of chunk.toString().trim().split("\n")) {
      if (isPid(line)) orphans.push(Number(line));
      log(`stdout: ${line}`);
    }
  });
  child.on("exit", (code, signal) => {
    log(`sh exited (${signal ?? code}); 'close' would wait for the grandchildren`);
    resolve();
  });
});
for (const pid of orphans) log(`grandchild ${pid}: ${alive(pid) ? "still alive — orphaned" : "gone"}`);
for (const pid of orphans) {
  try {
    process.kill(pid, "SIGKILL"); // cleaning up after child_process, by pid
  } catch {}
}

// 2. processkit: the same tree in its own container; the deadline takes all of it down.
console.log("\n── processkit, timeout 1 s ──");
t0 = performance.now();
subscribe("processkit:spawn", (e) => log(`spawned ${e.program} (pid ${e.pid}, contained by ${e.mechanism})`));
subscribe("processkit:timeout", (e) => log(`deadline of ${e.timeoutMs} ms reached: stopping the whole tree`));
subscribe("processkit:teardown", (e) => log(`teardown: ${e.phase} (${e.cause})`));

const pids = [];
const result = await new Command("sh", ["-c", SCRIPT])
  .timeout("1s")
  .onStdoutLine((line) => {
    if (isPid(line)) pids.push(Number(line));
    log(`stdout: ${line}${isPid(line) ? " (a grandchild that holds stdout open)" : ""}`);
  })
  .output();

log(`resolved: timedOut=${result.timedOut}, outcome=${JSON.stringify(result.outcome)}`);
for (const pid of pids) log(`grandchild ${pid}: ${alive(pid) ? "STILL ALIVE (bug!)" : "gone"}`);
const survivors = pids.filter(alive).length;
log(survivors === 0 ? "no survivors." : `${survivors} survivors!`);
process.exitCode = survivors === 0 ? 0 : 1;
