#!/usr/bin/env node
/**
 * The package's install script: builds the native spawn core with node-gyp where a toolchain
 * exists, and never fails the install. Without a compiler, without node-gyp, off Linux, or
 * with PROCESSKIT_SKIP_NATIVE=1, it prints one line and exits 0: processkit then uses its
 * pure path (Node's spawn and the /bin/sh launcher) and says so in `processkit doctor`.
 *
 * Nothing is downloaded: node-gyp is npm's own copy (npm tells install scripts where it is in
 * npm_config_node_gyp), and the headers are the ones installed with this Node (`--nodedir`);
 * when neither npm's config nor this Node provide headers, the build is skipped rather than
 * letting node-gyp fetch them.
 */
"use strict";
const { spawnSync } = require("node:child_process");
const { existsSync } = require("node:fs");
const { dirname, join, resolve } = require("node:path");

const root = resolve(__dirname, "..");

function skip(reason) {
  console.log(`processkit: native spawn core not built (${reason}); using the pure Node path`);
  process.exit(0);
}

/** npm's bundled node-gyp: npm names it for install scripts; else look next to this Node's npm. */
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(
      dirname(process.execPath),
      "..",
      "lib",
      "node_modules",
      "npm",
      "node_modules",
      "node-gyp",
      "bin",
      "node-gyp.js",
    ),
  ];
  return candidates.find((path) => path !== undefined && path !== "" && existsSync(path));
}

/** Headers already on this machine: npm's nodedir setting, else the ones installed with this Node. */
function findNodeDir() {
  const configured = process.env.npm_config_nodedir;
  if (
    configured !== undefined &&
    configured !== "" &&
    existsSync(join(configured, "include", "node", "node_api.h"))
  )
    return configured;
  const prefix = resolve(dirname(process.execPath), "..");
  return existsSync(join(prefix, "include", "node", "node_api.h")) ? prefix : undefined;
}

function main() {
  if (process.env.PROCESSKIT_SKIP_NATIVE === "1") skip("PROCESSKIT_SKIP_NATIVE=1");
  if (process.platform !== "linux") skip(`${process.platform} has no clone3`);
  const nodeGyp = findNodeGyp();
  if (nodeGyp === undefined) skip("node-gyp not found");
  const nodedir = findNodeDir();
  if (nodedir === undefined) skip("no local Node headers, and headers are never downloaded");
  const started = Date.now();
  const result = spawnSync(process.execPath, [nodeGyp, "rebuild", `--nodedir=${nodedir}`], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (result.error !== undefined) skip(`node-gyp did not start: ${result.error.message}`);
  if (result.status !== 0) {
    const lines = `${result.stderr}\n${result.stdout}`.split("\n").filter((line) => /error/i.test(line));
    skip(`node-gyp failed: ${(lines[0] ?? `exit ${result.status}`).trim().slice(0, 160)}`);
  }
  console.log(`processkit: native spawn core built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

try {
  main();
} catch (error) {
  skip(`unexpected: ${error instanceof Error ? error.message : String(error)}`);
}
