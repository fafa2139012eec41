/**
 * Summarizes V8 .cpuprofile files (from `node --cpu-prof`): self time per function, and
 * inclusive time for functions of the library (`/dist/`). Usage:
 *   node bench/lib/cpuprofile.js FILE.cpuprofile [--top 25] [--runs N]
 * With --runs N it also prints µs per run (total time ÷ N).
 */
import { readFileSync } from "node:fs";

function load(file) {
  const profile = JSON.parse(readFileSync(file, "utf8"));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Sample durations: timeDeltas[i] is the time before sample i; attribute it to sample i.
  const selfUs = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  return { profile, byId, parent, selfUs };
}

function label(node) {
  const f = node.callFrame;
  const url = f.url.replace(/^file:\/\//, "").replace(/^.*\/(dist|node_modules|bench)\//, "$1/");
  return `${f.functionName || "(anonymous)"} ${url ? `${url}:${f.lineNumber + 1}` : ""}`.trim();
}

export function summarize(file, { top = 25, runs } = {}) {
  const { byId, parent, selfUs } = load(file);
  const self = new Map();
  const inclusive = new Map();
  let total = 0;
  for (const [id, us] of selfUs) {
    total += us;
    const node = byId.get(id);
    const key = label(node);
    self.set(key, (self.get(key) ?? 0) + us);
    // Inclusive: every distinct library frame on the stack gets the sample once.
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (!n.callFrame.url.includes("/dist/")) continue;
      const k = label(n);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }
  const fmt = (us) =>
    `${(us / 1000).toFixed(1).padStart(9)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%${runs ? ` ${(us / runs).toFixed(1).padStart(8)} µs/run` : ""}`;
  const lines = [`${file}: ${(total / 1000).toFixed(0)} ms sampled`, "", "self time:"];
  for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`${fmt(us)}  ${k}`);
  lines.push("", "inclusive time, library frames (dist/):");
  for (const [k, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top))
    lines.push(`${fmt(us)}  ${k}`);
  return lines.join("\n");
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop())) {
  const args = process.argv.slice(2);
  const opt = (name) => {
    const i = args.indexOf(name);
    return i === -1 ? undefined : Number(args.splice(i, 2)[1]);
  };
  const top = opt("--top") ?? 25;
  const runs = opt("--runs");
  for (const file of args) console.log(summarize(file, { top, runs }));
}
