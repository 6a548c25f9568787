#!/usr/bin/env bash
# `npm test`: the whole suite, the same way on a developer machine and in CI.
#   type check -> unit tests (no servers) -> build -> end-to-end tests against the real broker
#   node and FerretDB (test/global-setup.ts starts what is not running and stops what it started).
# Set TEST_SUITES=unit or TEST_SUITES=e2e to run one part; extra arguments go to jest.
# TEST_RABBITMQ_HOST / TEST_MONGODB_URI point the e2e tests at external servers instead.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/deps.sh
source "$ROOT/scripts/lib/deps.sh"
cd "$ROOT"

suites=${TEST_SUITES:-all}
ensure_node_modules
results=$ROOT/.stack/test-results
rm -rf "$results" && mkdir -p "$results"

rc=0
if [ "$suites" != e2e ]; then
  ensure_compose
  log "type check (the engine, then the web client)"
  npx --no-install tsc --noEmit -p tsconfig.json || rc=1
  npx --no-install tsc --noEmit -p web/tsconfig.json || rc=1
  log "unit tests"
  npx --no-install jest --config jest.config.js --json --outputFile="$results/unit.json" "$@" || rc=1
fi
if [ "$suites" != unit ]; then
  build_app
  log "end-to-end tests"
  npx --no-install jest --config test/jest-e2e.config.js --runInBand --json --outputFile="$results/e2e.json" "$@" || rc=1
fi

# One plain summary line over every suite that ran.
node -e '
  const fs = require("fs"); let p = 0, f = 0, s = 0;
  // The JSON reports of the suites (the browser tests keep their screenshots in a folder beside them).
  for (const name of fs.readdirSync(process.argv[1]).filter((n) => n.endsWith(".json"))) {
    const r = JSON.parse(fs.readFileSync(process.argv[1] + "/" + name, "utf8"));
    p += r.numPassedTests; f += r.numFailedTests + (r.numRuntimeErrorTestSuites || 0); s += r.numPendingTests;
  }
  console.log(`tests: ${p} passed, ${f} failed, ${s} skipped`);
  if (p === 0) { console.error("no test ran"); process.exit(1); }
' "$results" || rc=1
exit $rc
