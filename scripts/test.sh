#!/usr/bin/env bash
# Every test: unit tests, then the end-to-end suite against the committed dist/
# bundles under this machine's Node and under Node 24 (the action's runtime,
# from the `node` npm package). Ends with the line CI reads: "N passed, N failed".
set -u
cd "$(dirname "$0")/.."

# Under `npm test`, node_modules/.bin (which holds Node 24) comes first in PATH;
# npm_node_execpath is the Node that runs npm: the machine's own.
system_node=${npm_node_execpath:-$(command -v node)}
node24=$PWD/node_modules/node/bin/node
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

suite() { # name node-for-subprocess config
  local name=$1 wg_node=$2 config=$3
  echo "== $name (subprocess node: $("$wg_node" --version))"
  WG_NODE=$wg_node "$system_node" node_modules/vitest/vitest.mjs run --config "$config" \
    --reporter=default --reporter=json --outputFile="$results/$name.json"
}

status=0
export TSC_FAILED=0
"$system_node" node_modules/typescript/bin/tsc --noEmit || { status=1; TSC_FAILED=1; }
suite unit "$system_node" vitest.config.ts || status=1
suite "e2e-node$("$system_node" -p 'process.versions.node.split(".")[0]')" "$system_node" vitest.e2e.config.ts || status=1
suite e2e-node24 "$node24" vitest.e2e.config.ts || status=1

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
  failed += Math.max(0, 3 - fs.readdirSync(process.argv[1]).length);
  if (process.env.TSC_FAILED === "1") failed += 1;
  console.log(`${passed} passed, ${failed} failed`);
' "$results"
exit $status
