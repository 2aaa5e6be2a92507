#!/usr/bin/env bash
# Every test: unit tests, then the end-to-end suite against the committed dist/
# bundles under this machine's Node and under Node 24 (the action's runtime,
# from the `node` npm package), then the CLI's end-to-end files under Node 22
# (the CLI's third supported line, `engines`). Ends with the line CI reads:
# "N passed, N failed".
set -u
cd "$(dirname "$0")/.."

# Nothing skips here: a test whose tool (nginx, openssl, the AWS CLI, ...) is
# missing runs and fails naming it (__tests__/helpers/tools.ts). Elsewhere,
# e.g. `npx vitest run` on a Windows runner, such tests are skipped instead.
export WG_ALL_TOOLS=1

# Under `npm test`, node_modules/.bin (which holds Node 24) comes first in PATH;
# npm_node_execpath is the Node that runs npm: the machine's own.
system_node=${npm_node_execpath:-$(command -v node)}
node24=$PWD/node_modules/node/bin/node
# Everything a run writes outside the checkout goes under one directory that is
# removed when the run ends, however it ends: each suite gets its own TMPDIR
# there (TMP and TEMP too, for Windows' tools), removed when the suite is done.
# What a test forgets to remove (a killed server's files, a failed test's
# workspace) so never outlives its suite: CI machines that keep /tmp between
# runs filled their disk with gigabytes of earlier runs' leftovers.
run_dir=$(mktemp -d "${TMPDIR:-/tmp}/wg-test-run-XXXXXX")
results=$run_dir/results
mkdir "$results"
trap 'rm -rf "$run_dir"' EXIT
trap 'exit 130' INT TERM

# A full run needs a few GB free at its peak (the large-wheel and bench-sized
# tests); say so up front rather than fail on ENOSPC halfway.
free_kb=$(df -Pk "$run_dir" 2>/dev/null | awk 'NR == 2 { print $4 }')
if [ -n "$free_kb" ] && [ "$free_kb" -lt $((4 * 1024 * 1024)) ]; then
  echo "warning: only $((free_kb / 1024)) MB free in $(dirname "$run_dir"); the tests need about 4 GB there and may fail with ENOSPC (set TMPDIR to a roomier disk)"
fi

suite() { # name node-for-subprocess config [files...]
  local name=$1 wg_node=$2 config=$3
  shift 3
  local tmp=$run_dir/$name
  mkdir "$tmp"
  echo "== $name (subprocess node: $("$wg_node" --version))"
  local code=0
  TMPDIR=$tmp TMP=$tmp TEMP=$tmp WG_NODE=$wg_node "$system_node" node_modules/vitest/vitest.mjs run --config "$config" \
    --reporter=default --reporter=json --outputFile="$results/$name.json" "$@" || code=$?
  # Left behind is a leak in a test: shown so that it gets fixed, then removed.
  # (A few MB is normal: Node 24's compile cache, pip's small targets.)
  local left
  left=$(du -sk "$tmp" 2>/dev/null | awk '{ print $1 }')
  if [ "${left:-0}" -gt $((16 * 1024)) ]; then
    echo "note: $name left $((left / 1024)) MB in its temporary directory (removed now):"
    du -sk "$tmp"/* 2>/dev/null | sort -rn | head -5 | awk '{ printf "  %6d MB  %s\n", $1 / 1024, $2 }'
  fi
  rm -rf "$tmp"
  return $code
}

# Node 22 is not a devDependency (the `node` package, Node 24, owns
# node_modules/.bin/node; an alias would fight it for that name): it is
# installed once into .cache/node22 from the same registry as `npm ci`.
NODE22_VERSION=22.23.3
node22=$PWD/.cache/node22/node_modules/node/bin/node
if [ "$("$node22" --version 2>/dev/null)" != "v$NODE22_VERSION" ]; then
  echo "== installing Node $NODE22_VERSION into .cache/node22 (the CLI's Node 22 run)"
  rm -rf .cache/node22
  npm install --prefix .cache/node22 --no-save --no-audit --no-fund --loglevel=error "node@$NODE22_VERSION" >/dev/null \
    || echo "could not install Node $NODE22_VERSION from the npm registry: the Node 22 run fails"
fi
# The CLI's own surfaces: the commands, the installed npm and pip packages, the
# web-address container, indexes, requirements files, digests, light start.
NODE22_FILES=(cli.test.ts npm-package.test.ts python-wheel.test.ts light-start.test.ts http.test.ts index.test.ts requirements.test.ts digests.test.ts)

status=0
export TSC_FAILED=0
"$system_node" node_modules/typescript/bin/tsc --noEmit || { status=1; TSC_FAILED=1; }
suite unit "$system_node" vitest.config.ts || status=1
suite "e2e-node$("$system_node" -p 'process.versions.node.split(".")[0]')" "$system_node" vitest.e2e.config.ts || status=1
suite e2e-node24 "$node24" vitest.e2e.config.ts || status=1
if [ -x "$node22" ]; then
  suite cli-e2e-node22 "$node22" vitest.e2e.config.ts "${NODE22_FILES[@]/#/__tests__/e2e/}" || status=1
fi
suites=4

"$system_node" -e '
  const fs = require("fs");
  let passed = 0, failed = 0;
  for (const f of fs.readdirSync(process.argv[1])) {
    const r = JSON.parse(fs.readFileSync(process.argv[1] + "/" + f, "utf8"));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    // A file that failed to load or whose hooks failed has no failed test of its own: count it once.
    for (const file of r.testResults) {
      if (file.status === "failed" && !file.assertionResults.some((t) => t.status === "failed")) failed += 1;
    }
  }
  // A suite that never wrote its report (it crashed) is a failure too.
  failed += Math.max(0, Number(process.argv[2]) - fs.readdirSync(process.argv[1]).length);
  if (process.env.TSC_FAILED === "1") failed += 1;
  console.log(`${passed} passed, ${failed} failed`);
' "$results" "$suites"
exit $status
