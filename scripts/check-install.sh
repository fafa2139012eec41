#!/bin/sh
# Installs processkit the two ways README documents — from a git URL and from an `npm pack`
# tarball — each into a fresh temporary project, and checks that `import "processkit"` and
# `npx processkit` work there. CI runs it (.ci/run); it needs a committed HEAD (a git install
# builds what is committed, through the `prepare` script).
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/pk-install-XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

check() { # $1: a project dir where processkit was just installed
  (
    cd "$1"
    test -f node_modules/processkit/dist/index.js || { echo "no dist/ in the installed package" >&2; exit 1; }
    node --input-type=module -e '
      const { Command, hostContainment } = await import("processkit");
      const out = await new Command("echo", ["imported"]).run();
      if (out !== "imported") throw new Error(`unexpected output ${JSON.stringify(out)}`);
      if (typeof hostContainment().mechanism !== "string") throw new Error("no mechanism");'
    test "$(npx --no-install processkit run -- echo via-npx)" = "via-npx"
    npx --no-install processkit doctor --json >/dev/null
  )
}

fresh() { # a new empty project
  mkdir -p "$work/$1"
  printf '{ "name": "pk-install-%s", "private": true }\n' "$1" > "$work/$1/package.json"
  echo "$work/$1"
}

echo "== npm install git+file://$repo"
dir=$(fresh git)
(cd "$dir" && npm install --no-audit --no-fund --loglevel=error "git+file://$repo")
check "$dir"

echo "== npm pack, then npm install <tarball>"
tarball=$(cd "$repo" && npm pack --silent --pack-destination "$work")
dir=$(fresh tarball)
(cd "$dir" && npm install --no-audit --no-fund --loglevel=error "$work/$tarball")
check "$dir"
echo "install check passed: git URL and tarball"
