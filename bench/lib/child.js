/**
 * Runs one measurement in a fresh Node process (bench/worker.js) so that peak RSS belongs to
 * that variant alone and a peer that crashes is reported, not fatal. The parent polls the
 * child's VmHWM as a fallback for a child that dies before it can report its own maxRSS.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { peakRss } from "./procfs.js";

const WORKER = fileURLToPath(new URL("../worker.js", import.meta.url));
const MARK = "BENCH_RESULT ";

export function runInChild(task, { timeoutMs = 180_000 } = {}) {
  return new Promise((resolve) => {
    // detached: the worker leads its own process group, so a timeout can take its producer too.
    const child = spawn(process.execPath, [WORKER, JSON.stringify(task)], {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    let polledPeak = 0;
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (s) => {
      stdout += s;
    });
    child.stderr.setEncoding("utf8").on("data", (s) => {
      stderr = (stderr + s).slice(-4000);
    });
    const poll = setInterval(() => {
      const peak = peakRss(child.pid);
      if (peak !== undefined && peak > polledPeak) polledPeak = peak;
    }, 25);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    child.once("close", (code, signal) => {
      clearInterval(poll);
      clearTimeout(timer);
      killGroup(child.pid); // anything the worker left behind in its group
      const line = stdout.split("\n").find((l) => l.startsWith(MARK));
      let result;
      if (line !== undefined) {
        try {
          result = JSON.parse(line.slice(MARK.length));
        } catch {
          result = undefined;
        }
      }
      const ok = code === 0 && result !== undefined && result.error === undefined;
      resolve({
        ok,
        result,
        code,
        signal,
        timedOut,
        polledPeakRss: polledPeak || undefined,
        failure: ok ? undefined : describeFailure({ code, signal, timedOut, result, stderr }),
      });
    });
  });
}

function killGroup(pgid) {
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // group already gone
  }
}

function describeFailure({ code, signal, timedOut, result, stderr }) {
  if (timedOut) return "timed out (killed by the harness)";
  if (result?.error !== undefined) return `threw: ${result.error}`;
  const tail = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith("at "))
    .slice(-2)
    .join(" / ")
    .slice(0, 240);
  const how = signal !== null ? `killed by ${signal}` : `exited ${code}`;
  return `process crashed (${how})${tail ? `: ${tail}` : ""}`;
}

export { MARK };
